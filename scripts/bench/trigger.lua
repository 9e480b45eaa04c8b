-- wrk script: valid Trigger OTP requests, each for a fresh session (a new clientReferenceId).
-- API key and merchant come from the environment so they never appear on a command line.
local key = os.getenv("BENCH_AUTH") or ""
local merchant = os.getenv("BENCH_MERCHANT") or ""
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"tokenReference":"479518c708c3e3ccb68314501ee4c702","vProvisionedTokenId":"479518c708c3e3ccb68314501ee4c702",' ..
    '"clientReferenceId":"bench-%d-%d","stepUpRequestId":"Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE="}',
    thread_id, counter)
  return wrk.format("POST", "/initiateVerification", {
    ["Authorization"] = "Basic " .. key,
    ["x-merchantid"] = merchant,
    ["Content-Type"] = "application/json",
  }, body)
end

local non2xx = 0
function response(status, headers, body)
  if status ~= 200 then non2xx = non2xx + 1 end
end
