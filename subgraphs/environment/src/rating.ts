// The environmental credit levels (环发〔2013〕150号: green, blue, yellow, red; Zhengzhou adds
// black) and the Zhengzhou air-quality credit score bands that decide them.
import type { EnvironmentalRatingLevel } from './generated/prisma/client.ts';

/** Lowest score of each level, best level first; below the last band is BLACK. */
const LEVEL_FLOORS: [EnvironmentalRatingLevel, number][] = [
  ['GREEN', 90],
  ['BLUE', 80],
  ['YELLOW', 70], // red-card warning
  ['RED', 60], // regulator interview
];

/** The level a score (0-100) earns: below 60 is BLACK (pushed to Credit Zhengzhou's black list). */
export function levelForScore(score: number): EnvironmentalRatingLevel {
  return LEVEL_FLOORS.find(([, floor]) => score >= floor)?.[0] ?? 'BLACK';
}

/** The first year ratings are answered for; older years predate the rating scheme. */
export const FIRST_RATING_YEAR = 2000;
