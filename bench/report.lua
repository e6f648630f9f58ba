-- wrk script: prints one JSON line with throughput, latency percentiles (ms) and
-- error counts when the run ends.
--
-- Arguments after "--" are either paths to GET in turn, or "@PREFIX": each thread
-- then reads PREFIX.<thread number>, one request a line, fields split by tabs:
-- "GET<tab>path" or "POST<tab>path<tab>cookie<tab>form body". A POST is sent once
-- (it books a slot); when a thread has been through its file, it goes on with the
-- GETs only, and says so (ran_out).
local requests = {}
local is_post = {}
local counter = 0
booked = 0
refused = 0
ran_out = 0

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local function count_response(status, headers, body)
  if status == 302 then
    local location = headers["Location"] or headers["location"] or ""
    if location:find("/book/done/", 1, true) then
      booked = booked + 1
    elseif location:find("/book/", 1, true) then
      refused = refused + 1 -- back to the time picker: the slot was not booked
    end
  end
end

local function read_requests(prefix)
  local file = assert(io.open(prefix .. "." .. id, "r"))
  for line in file:lines() do
    local fields = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do
      table.insert(fields, field)
    end
    if fields[1] == "POST" then
      table.insert(requests, wrk.format("POST", fields[2], {
        ["Cookie"] = fields[3],
        ["Content-Type"] = "application/x-www-form-urlencoded",
      }, fields[4]))
      table.insert(is_post, true)
    else
      table.insert(requests, wrk.format("GET", fields[2]))
      table.insert(is_post, false)
    end
  end
  file:close()
  -- Only here: wrk reads the body of every response once a script has response().
  response = count_response
end

function init(args)
  if #args == 1 and args[1]:sub(1, 1) == "@" then
    read_requests(args[1]:sub(2))
  else
    for _, path in ipairs(args) do
      table.insert(requests, wrk.format("GET", path))
      table.insert(is_post, false)
    end
  end
  if #requests == 0 then
    table.insert(requests, wrk.format("GET", "/"))
    table.insert(is_post, false)
  end
end

function request()
  for _ = 1, #requests + 1 do
    counter = counter + 1
    if counter > #requests then
      counter = 1
      for _, post in ipairs(is_post) do
        if post then
          ran_out = 1
          break
        end
      end
    end
    if not (ran_out == 1 and is_post[counter]) then
      return requests[counter]
    end
  end
  return wrk.format("GET", "/")
end

function done(summary, latency, requests)
  local errors = summary.errors
  local total_booked, total_refused, any_ran_out = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_booked = total_booked + (thread:get("booked") or 0)
    total_refused = total_refused + (thread:get("refused") or 0)
    any_ran_out = math.max(any_ran_out, thread:get("ran_out") or 0)
  end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_s": %.3f, "rps": %.1f, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"booked": %d, "refused": %d, "ran_out": %s}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    total_booked, total_refused, any_ran_out == 1 and "true" or "false"))
end
