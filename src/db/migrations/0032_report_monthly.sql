-- The duration histograms and decisions of report_daily summed per calendar month, written by the
-- roll-up in the transaction that writes the days (src/reports/reports.repository.ts): a year's
-- report sums twelve months of these instead of every day's rows (~96,000 at a million requests a
-- year, 110 ms a page; README "Reports").
CREATE TABLE report_monthly (
  month  date NOT NULL CHECK (extract(day FROM month) = 1),
  figure text NOT NULL,
  k1     text NOT NULL DEFAULT '',
  k2     text NOT NULL DEFAULT '',
  n      bigint NOT NULL,
  PRIMARY KEY (figure, month, k1, k2)
);
INSERT INTO report_monthly (month, figure, k1, k2, n)
  SELECT date_trunc('month', day)::date, figure, k1, k2, sum(n) FROM report_daily
   WHERE figure IN ('first_response', 'resolution', 'decision')
   GROUP BY 1, 2, 3, 4;
