-- Written for BadInputIT: per item, over all time, the events and the sum of their quantities.
-- Without a window nothing is late, so every valid event must be counted exactly once.
SELECT
  item_id,
  COUNT(*) AS interaction_count,
  SUM(qty) AS qty
FROM SOURCE
GROUP BY item_id
