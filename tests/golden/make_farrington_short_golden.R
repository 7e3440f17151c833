# Refreshes the farringtonFlexible short-history golden files listed in
# tests/golden/cases_farrington_short.csv (run only on purpose):
#   apt-get install -y r-base-core r-cran-surveillance
#   Rscript tests/golden/make_farrington_short_golden.R ../shared/data tests/golden
# Made with R 4.2.2 and surveillance 1.20.3. One row per region (the first `columns` of a wide
# file, all when empty) and week of R's default range start, (freq * b + w + 1), to the week
# `to` (the last week when empty), so on series only a little longer than b years:
#   farringtonFlexible(sts, control = list(range = (52 * b + w + 1):which(dates == to), b, w,
#                      alpha, [trend, pThresholdTrend, weightsThreshold,] noPeriods,
#                      [pastWeeksNotIncluded,] thresholdMethod, [powertrans]))
# with empty fields left at R's defaults. Columns: date,region,count,upperbound,alarm as the
# other detector golden files, plus expected (R's control$expected); every row is written,
# with empty upperbound, alarm and expected where R gives NA (17 significant digits).
# R's control$expected keeps its initial 0 in weeks whose GLM did not converge (no bound):
# that 0 is written as R gives it.
suppressMessages(library(surveillance))
args <- commandArgs(trailingOnly = TRUE)
data <- args[1]
out <- args[2]
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
cases <- read.csv(file.path(here, "cases_farrington_short.csv"), colClasses = "character")
input_path <- function(source) {
  if (startsWith(source, "tests/")) file.path(here, "..", sub("^tests/", "", source))
  else file.path(data, source)
}
read_sts <- function(case) {
  d <- read.csv(input_path(case$input), check.names = FALSE)
  if (case$wide == "1") {
    obs <- as.matrix(d[, -1, drop = FALSE])
    dates <- as.Date(d[[1]])
  } else {  # long date,region,count
    dates <- sort(unique(as.Date(d$date)))
    regions <- unique(d$region)
    obs <- matrix(0, length(dates), length(regions), dimnames = list(NULL, regions))
    obs[cbind(match(as.Date(d$date), dates), match(d$region, regions))] <- d$count
  }
  if (case$columns != "") obs <- obs[, seq_len(as.integer(case$columns)), drop = FALSE]
  sts(observed = obs, epoch = dates, frequency = 52)
}
number <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))
for (i in seq_len(nrow(cases))) {
  case <- cases[i, ]
  s <- read_sts(case)
  dates <- epoch(s)
  b <- as.integer(case$b)
  w <- as.integer(case$w)
  last <- if (case$to == "") length(dates) else which(dates == as.Date(case$to))
  control <- list(range = (52 * b + w + 1):last, b = b, w = w, alpha = as.numeric(case$alpha),
                  noPeriods = as.integer(case$no_periods),
                  thresholdMethod = case$threshold_method)
  if (case$trend != "") control$trend <- case$trend == "1"
  if (case$p_threshold_trend != "") control$pThresholdTrend <- as.numeric(case$p_threshold_trend)
  if (case$weights_threshold != "") control$weightsThreshold <- as.numeric(case$weights_threshold)
  if (case$past_weeks_not_included != "") {
    control$pastWeeksNotIncluded <- as.integer(case$past_weeks_not_included)
  }
  if (case$powertrans != "") control$powertrans <- case$powertrans
  res <- suppressWarnings(farringtonFlexible(s, control = control))
  obs <- observed(res)
  n <- nrow(obs)
  alarm <- as.vector(alarms(res))
  rows <- data.frame(date = rep(format(epoch(res)), ncol(obs)),
                     region = rep(colnames(obs), each = n), count = as.vector(obs),
                     upperbound = number(as.vector(upperbound(res))),
                     alarm = ifelse(is.na(alarm), "", as.integer(alarm)),
                     expected = number(as.vector(res@control$expected)))
  rows <- rows[order(rows$region, rows$date), ]
  write.csv(rows, file.path(out, case$golden), row.names = FALSE, quote = FALSE)
  cat("wrote", case$golden, nrow(rows), "rows,", sum(!is.na(upperbound(res))), "with a bound\n")
}
# The baseline factor R builds (algo.farrington.data.glm, which calls blocks) for the layouts of
# tests/golden/cases_farrington_blocks.csv (weekly dates from `start`, n weeks, week k, 1-based):
#   algo.farrington.data.glm(dayToConsider = dates[k], b, freq = 52, epochAsDate = TRUE,
#                            epochStr = "week", vectorOfDates = dates, w, noPeriods = p,
#                            observed = rep(1, n), population = rep(1, n), verbose = FALSE,
#                            pastWeeksNotIncluded = pwni, k)
# -> ff_blocks_short.csv: case,position,level,error — the rows (1-based positions) and their
# seasgroups level, or R's error message (no rows at all is an error too: glm cannot fit).
data_glm <- surveillance:::algo.farrington.data.glm
layouts <- read.csv(file.path(here, "cases_farrington_blocks.csv"), colClasses = "character")
found <- list()
for (i in seq_len(nrow(layouts))) {
  l <- layouts[i, ]
  n <- as.integer(l$n)
  k <- as.integer(l$k)
  dates <- seq(as.Date(l$start), by = "week", length.out = n)
  res <- try(data_glm(dayToConsider = dates[k], b = as.integer(l$b), freq = 52,
                      epochAsDate = TRUE, epochStr = "week", vectorOfDates = dates,
                      w = as.integer(l$w), noPeriods = as.integer(l$p), observed = rep(1, n),
                      population = rep(1, n), verbose = FALSE,
                      pastWeeksNotIncluded = as.integer(l$pwni), k = k), silent = TRUE)
  if (inherits(res, "try-error")) {
    message <- gsub("[\n,]+", " ", conditionMessage(attr(res, "condition")))
    found[[i]] <- data.frame(case = l$case, position = "", level = "", error = trimws(message))
  } else if (nrow(res) == 0) {
    found[[i]] <- data.frame(case = l$case, position = "", level = "", error = "no rows")
  } else {
    found[[i]] <- data.frame(case = l$case, position = match(res$vectorOfDates, dates),
                             level = as.character(res$seasgroups), error = "")
  }
}
write.csv(do.call(rbind, found), file.path(out, "ff_blocks_short.csv"), row.names = FALSE,
          quote = FALSE)
cat("wrote ff_blocks_short.csv for", nrow(layouts), "layouts\n")
