-- Instants as instants (issue 10 §6): these columns held UTC wall time in `timestamp(3)`; as
-- `timestamptz` they hold the instant itself, whatever the session's or the server's time zone
-- (a psql session in Asia/Shanghai now reads them in Beijing time, not 8 hours off). The
-- stored values were written in UTC: read them as such.
ALTER TABLE "IdempotencyKey" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC';
