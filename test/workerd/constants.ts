/** What the stand-in runner generates for every question (streamed a few words at a time). */
export const STREAMED_ANSWER =
  'Full-time employees get 20 days of paid annual leave in their first two years and 25 days from their third year [1].'
