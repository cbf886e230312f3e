-- Written for ShippedFilesIT: per item, the interactions in 10-minute windows starting every
-- 5 minutes (each event counts in two windows). HOP(ts, slide, size).
SELECT
  item_id,
  HOP_START(`timestamp`, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE) AS window_start,
  HOP_END(`timestamp`, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE) AS window_end,
  COUNT(*) AS interaction_count
FROM SOURCE
GROUP BY item_id, HOP(`timestamp`, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE)
