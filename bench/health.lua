-- Scenario 1: GET /health/live, the baseline of the same server in the same run.
dofile("bench/tally.lua")
