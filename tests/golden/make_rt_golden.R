# Refreshes the EpiEstim golden files listed in cases_rt.csv (run only on purpose):
#   apt-get install -y r-base-core r-cran-epiestim
#   Rscript tests/golden/make_rt_golden.R ../shared/data/public tests/golden
# Each row: estimate_R(incidence, method, make_config(...)) with EpiEstim's default sliding
# windows t_start = 2..T-window+1; rows EpiEstim drops (NA) are written with empty fields.
suppressMessages(library(EpiEstim))
args <- commandArgs(trailingOnly = TRUE)
public <- args[1]
out <- args[2]
cases <- read.csv(file.path(out, "cases_rt.csv"), stringsAsFactors = FALSE,
                  colClasses = "character")
for (i in seq_len(nrow(cases))) {
  case <- cases[i, ]
  incid <- read.csv(file.path(public, case$input), stringsAsFactors = FALSE)
  dates <- as.Date(incid$dates)
  if ("I" %in% names(incid)) {
    incid <- data.frame(I = incid$I)
  } else {
    incid <- data.frame(local = incid$local, imported = incid$imported)
  }
  T <- nrow(incid)
  window <- as.integer(case$window)
  t_start <- seq(2, T - window + 1)
  t_end <- t_start + window - 1
  if (nzchar(case$si_distr)) {
    si <- read.csv(file.path(public, case$si_distr))$p
    config <- make_config(list(si_distr = si, t_start = t_start, t_end = t_end))
    method <- "non_parametric_si"
  } else {
    config <- make_config(list(mean_si = as.numeric(case$si_mean),
                               std_si = as.numeric(case$si_sd),
                               t_start = t_start, t_end = t_end))
    method <- "parametric_si"
  }
  res <- suppressWarnings(estimate_R(incid, method = method, config = config))$R
  full <- data.frame(t_start = t_start, t_end = t_end,
                     date_start = format(dates[t_start]), date_end = format(dates[t_end]))
  names(res) <- c("t_start", "t_end", "mean", "sd", "q025", "q05", "q25", "median", "q75",
                  "q95", "q975")
  full <- merge(full, res, by = c("t_start", "t_end"), all.x = TRUE)
  full <- full[order(as.numeric(full$t_start)), ]
  write.csv(full, file.path(out, case$golden), row.names = FALSE, na = "",
            quote = FALSE)
  cat("wrote", case$golden, nrow(full), "windows\n")
}
