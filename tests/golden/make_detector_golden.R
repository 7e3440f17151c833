# Refreshes the detector golden files listed in cases_detect.csv (run only on purpose):
#   apt-get install -y r-base-core r-cran-surveillance
#   Rscript tests/golden/make_detector_golden.R ../shared/data tests/golden
# Calls (R surveillance 1.20.x), rows where R gives no upper bound left out:
#   ears_c3_agona:          earsC(agona, list(range = 20:312, method = "C3", baseline = 7))
#   ears_c1_minsigma_agona: earsC(agona, list(range = 20:312, method = "C1", baseline = 10,
#                                             minSigma = 1, alpha = 0.01))
#   ears_c2_measles_de:     earsC(measlesDE 16 states, list(method = "C2"))  (default range)
#   cusum_standard_agona:   algo.cusum(agona, list(range = 105:312, k = 1.04, h = 2.26))
#   cusum_rossi_agona:      algo.cusum(agona, list(range = 105:312, k = 1.5, h = 3,
#                                                  trans = "rossi"))
suppressMessages(library(surveillance))
args <- commandArgs(trailingOnly = TRUE)
data <- args[1]
out <- args[2]
agona <- read.csv(file.path(data, "reference", "input_agona_long.csv"))
dates <- as.Date(agona$date)
y <- agona$count
as_sts <- function(obs, epoch) sts(observed = obs, epoch = epoch, frequency = 52)
write_rows <- function(date, region, count, upper, alarms, file) {
  keep <- !is.na(upper)
  rows <- data.frame(date = format(date)[keep], region = region[keep], count = count[keep],
                     upperbound = upper[keep], alarm = as.integer(alarms[keep]))
  rows <- rows[order(rows$region, rows$date), ]
  write.csv(rows, file.path(out, file), row.names = FALSE, quote = FALSE)
  cat("wrote", file, nrow(rows), "rows\n")
}
from_sts <- function(res, file) {
  obs <- observed(res)
  regions <- colnames(obs)
  n <- nrow(obs)
  write_rows(rep(epoch(res), ncol(obs)), rep(regions, each = n), as.vector(obs),
             as.vector(upperbound(res)), as.vector(alarms(res)), file)
}
single <- as_sts(matrix(y, ncol = 1, dimnames = list(NULL, "agona")), dates)
from_sts(earsC(single, control = list(range = 20:312, method = "C3", baseline = 7)),
         "ears_c3_agona.csv")
from_sts(earsC(single, control = list(range = 20:312, method = "C1", baseline = 10,
                                      minSigma = 1, alpha = 0.01)),
         "ears_c1_minsigma_agona.csv")
measles <- read.csv(file.path(data, "public", "measles_de_weekly.csv"), check.names = FALSE)
obs <- as.matrix(measles[, -1])
from_sts(earsC(as_sts(obs, as.Date(measles[[1]])), control = list(method = "C2")),
         "ears_c2_measles_de.csv")
for (spec in list(list("standard", 1.04, 2.26, "cusum_standard_agona.csv"),
                  list("rossi", 1.5, 3, "cusum_rossi_agona.csv"))) {
  range <- 105:312
  res <- algo.cusum(list(observed = y), control = list(range = range, k = spec[[2]],
                                                        h = spec[[3]], trans = spec[[1]]))
  write_rows(dates[range], rep("agona", length(range)), y[range], res$upperbound,
             res$alarm, spec[[4]])
}
#   bayes_agona:            algo.bayes(agona, list(range = 7:312, b = 0, w = 6, alpha = 0.05))
#   bayes_b1_agona:         algo.bayes(agona, list(range = 59:312, b = 1, w = 6, alpha = 0.01))
for (spec in list(list(0, 0.05, 7:312, "bayes_agona.csv"),
                  list(1, 0.01, 59:312, "bayes_b1_agona.csv"))) {
  range <- spec[[3]]
  res <- algo.bayes(list(observed = y, freq = 52),
                    control = list(range = range, b = spec[[1]], w = 6, alpha = spec[[2]]))
  write_rows(dates[range], rep("agona", length(range)), y[range], res$upperbound,
             res$alarm, spec[[4]])
}
# Farrington (algo.farrington through farrington(sts)) and farringtonFlexible, dates as epochs:
#   farrington_agona:        farrington(agona, list(range = 257:312))   (b = 5, w = 3)
#   farrington_b3_agona:     farrington(agona, list(range = 105:312, b = 3, w = 2, alpha = 0.01,
#                                                   powertrans = "none", reweight = FALSE))
#   ff_noufaily_flu12:       farringtonFlexible(fluBYBW first 12 districts, last 104 weeks,
#                                      b = 5, w = 3, Noufaily options)
#   ff_muan_newport:         farringtonFlexible(salmNewport 16 states, last 104 weeks, b = 5,
#                                      w = 2, noPeriods = 4, thresholdMethod = "muan")
#   ff_none_hepatitis:       farringtonFlexible(ha.sts 12 districts, last 80 weeks, b = 4, w = 2,
#                                      powertrans = "none", reweight = FALSE, alpha = 0.01,
#                                      limit54 = c(1, 4), pastWeeksNotIncluded = 4)
#   ff_half_campylobacter:   farringtonFlexible(campyDE, last 104 weeks, powertrans = "1/2",
#                                      trend = TRUE, pThresholdTrend = 0.1)
#   ff_notrend_agona:        farringtonFlexible(agona, last 104 weeks, b = 3, trend = FALSE,
#                                      weightsThreshold = 1, noPeriods = 3)
wide_sts <- function(file, columns = NULL) {
  d <- read.csv(file.path(data, "public", file), check.names = FALSE)
  obs <- as.matrix(d[, -1, drop = FALSE])
  if (!is.null(columns)) obs <- obs[, columns, drop = FALSE]
  as_sts(obs, as.Date(d[[1]]))
}
last_weeks <- function(s, n) (nrow(observed(s)) - n + 1):nrow(observed(s))
from_sts(farrington(single, control = list(range = 257:312)), "farrington_agona.csv")
from_sts(farrington(single, control = list(range = 105:312, b = 3, w = 2, alpha = 0.01,
                                           powertrans = "none", reweight = FALSE)),
         "farrington_b3_agona.csv")
flu <- wide_sts("influenza_bybw_weekly.csv", 1:12)
from_sts(farringtonFlexible(flu, control = list(range = last_weeks(flu, 104), b = 5, w = 3,
                                                noPeriods = 10, weightsThreshold = 2.58,
                                                pastWeeksNotIncluded = 26, pThresholdTrend = 1,
                                                thresholdMethod = "nbPlugin")),
         "ff_noufaily_flu12.csv")
newport <- wide_sts("salmonella_newport_de_weekly.csv")
from_sts(farringtonFlexible(newport, control = list(range = last_weeks(newport, 104), b = 5,
                                                    w = 2, noPeriods = 4,
                                                    thresholdMethod = "muan")),
         "ff_muan_newport.csv")
hepatitis <- wide_sts("hepatitis_a_berlin_weekly.csv")
from_sts(farringtonFlexible(hepatitis, control = list(range = last_weeks(hepatitis, 80), b = 4,
                                                      w = 2, powertrans = "none",
                                                      reweight = FALSE, alpha = 0.01,
                                                      limit54 = c(1, 4),
                                                      pastWeeksNotIncluded = 4)),
         "ff_none_hepatitis.csv")
campy <- read.csv(file.path(data, "public", "campylobacter_de_weekly.csv"))
campy_sts <- as_sts(matrix(campy$case, ncol = 1, dimnames = list(NULL, "campylobacter")),
                    as.Date(campy$date))
from_sts(farringtonFlexible(campy_sts, control = list(range = last_weeks(campy_sts, 104),
                                                      powertrans = "1/2",
                                                      pThresholdTrend = 0.1)),
         "ff_half_campylobacter.csv")
from_sts(farringtonFlexible(single, control = list(range = 209:312, b = 3, trend = FALSE,
                                                   weightsThreshold = 1, noPeriods = 3)),
         "ff_notrend_agona.csv")
