-- Written for PartitionsIT: per item, every event ever read.
SELECT item_id, COUNT(*) AS interaction_count
FROM SOURCE
GROUP BY item_id
