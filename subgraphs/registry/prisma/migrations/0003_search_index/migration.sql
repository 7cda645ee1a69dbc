-- The public search's common filter (district and industry), paged by code: bench/ measured
-- the search page at 93 -> 245 requests per second with this index on 100,000 enterprises.
CREATE INDEX "Enterprise_divisionCode_industry_uscc_idx" ON "Enterprise"("divisionCode", "industry", "uscc");
