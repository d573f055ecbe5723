# Reference values for tests/test_vas.py, computed with base R (stats) and nlme/emmeans.
#
#   R version 4.2.2 Patched (2022-11-10 r83330), nlme 3.1-162, emmeans 1.8.4-1;
#   run from this folder:  Rscript vas_reference.R
#
# Inputs : thera_like_vas.csv, edge_cases_vas.csv, sensitivity_vas.csv (long tables:
#          patient_id, day, vas_mm; rows deliberately shuffled, some visits missing).
# Outputs: r_summary_thera_like.csv, r_summary_edge_cases.csv, r_responders_thera_like.csv,
#          r_sensitivity.csv (numbers written with 17 significant digits).
#
# Exact calls, per post-baseline day d, after pairing each row with its own patient's
# baseline (merge by patient_id, never by row order):
#   t.test(x = vas_mm, y = baseline_mm, paired = TRUE)              # conf.level = 0.95
#   wilcox.test(x = vas_mm, y = baseline_mm, paired = TRUE, conf.int = TRUE)
#        (defaults: exact = NULL, correct = TRUE, conf.level = 0.95, tol.root = 1e-4,
#         digits.rank = Inf)
#   quantile(change, c(.25, .5, .75))                               # type = 7
#   xn <- change[change != 0]   # zeros dropped, as wilcox.test drops them
#   median(outer(xn, xn, "+")[upper.tri(outer(xn, xn, "+"), diag = TRUE)] / 2)
#        (walsh_median: the Hodges-Lehmann estimate, median of the Walsh averages;
#         NA when every change is 0)
#   binom.test(x, n)$conf.int                                       # Clopper-Pearson
#   nlme::gls(change_mm ~ factor(day) + baseline_mm, correlation = corSymm(form = ~ k | patient_id),
#             weights = varIdent(form = ~ 1 | factor(day)), method = "REML",
#             data = post-baseline rows)   then  emmeans(fit, ~ fday, mode = "df.error")
options(warn = 1)
suppressPackageStartupMessages({library(nlme); library(emmeans)})

fmt <- function(df) { for (j in seq_along(df)) if (is.double(df[[j]])) df[[j]] <- sprintf("%.17g", df[[j]]); df }

pair_with_baseline <- function(vas) {
  base <- vas[vas$day == 0, c("patient_id", "vas_mm")]
  names(base)[2] <- "baseline_mm"
  m <- merge(vas, base, by = "patient_id")
  m$change_mm <- m$vas_mm - m$baseline_mm
  m[order(m$patient_id, m$day), ]
}

summarise <- function(m) {
  out <- NULL
  for (d in sort(unique(m$day[m$day != 0]))) {
    s <- m[m$day == d, ]
    x <- s$change_mm
    n <- length(x)
    tt <- if (n >= 2 && sd(x) > 0) t.test(x = s$vas_mm, y = s$baseline_mm, paired = TRUE) else NULL
    ww <- suppressWarnings(wilcox.test(x = s$vas_mm, y = s$baseline_mm, paired = TRUE, conf.int = TRUE))
    q <- quantile(x, c(0.25, 0.5, 0.75))
    method <- if (grepl("exact", ww$method)) "exact" else "normal"
    xn <- x[x != 0]
    walsh_median <- if (length(xn)) median(outer(xn, xn, "+")[upper.tri(outer(xn, xn, "+"), diag = TRUE)] / 2) else NA_real_
    out <- rbind(out, data.frame(
      day = d, n = n, mean_change = mean(x), sd_change = if (n > 1) sd(x) else NA_real_,
      median_change = q[[2]], q1 = q[[1]], q3 = q[[3]], min = min(x), max = max(x),
      mean_change_ci_low = if (is.null(tt)) NA_real_ else tt$conf.int[1],
      mean_change_ci_high = if (is.null(tt)) NA_real_ else tt$conf.int[2],
      t_statistic = if (is.null(tt)) NA_real_ else unname(tt$statistic),
      t_pvalue = if (is.null(tt)) NA_real_ else tt$p.value,
      wilcoxon_statistic = unname(ww$statistic), wilcoxon_pvalue = ww$p.value,
      wilcoxon_method = method, hl_estimate = unname(ww$estimate),
      hl_ci_low = ww$conf.int[1], hl_ci_high = ww$conf.int[2],
      hl_confidence_level = attr(ww$conf.int, "conf.level"), walsh_median = walsh_median))
  }
  out
}

cat("R version:", R.version.string, "\n")
for (name in c("thera_like", "edge_cases")) {
  vas <- read.csv(paste0(name, "_vas.csv"), stringsAsFactors = FALSE)
  res <- summarise(pair_with_baseline(vas))
  write.csv(fmt(res), paste0("r_summary_", name, ".csv"), row.names = FALSE, quote = FALSE)
}

## ---- responders (thera_like): exact comparisons in integer/half-mm arithmetic
vas <- read.csv("thera_like_vas.csv", stringsAsFactors = FALSE)
m <- pair_with_baseline(vas)
ids <- sort(unique(vas$patient_id))
defs <- list(
  list(label = "rel50_and_abs20", pct = 50, abs = 20, combine = "and"),
  list(label = "rel50", pct = 50, abs = NA, combine = "and"),
  list(label = "abs20", pct = NA, abs = 20, combine = "and"),
  list(label = "rel30_or_abs20", pct = 30, abs = 20, combine = "or"))
resp <- NULL
for (def in defs) for (missing in c("non-responder", "exclude")) {
  for (d in sort(unique(m$day[m$day != 0]))) {
    s <- m[m$day == d, ]
    gain <- s$baseline_mm - s$vas_mm           # values are multiples of 0.5: exact in doubles
    ok_rel <- if (is.na(def$pct)) NULL else (100 * gain >= def$pct * s$baseline_mm)
    ok_abs <- if (is.na(def$abs)) NULL else (gain >= def$abs)
    ok <- if (is.null(ok_rel)) ok_abs else if (is.null(ok_abs)) ok_rel else
      if (def$combine == "and") ok_rel & ok_abs else ok_rel | ok_abs
    x <- sum(ok)
    n <- if (missing == "exclude") nrow(s) else length(ids)
    ci <- binom.test(x, n)$conf.int
    resp <- rbind(resp, data.frame(definition = def$label, missing = missing, day = d, n = n,
                                   responders = x, proportion = x / n, ci_low = ci[1], ci_high = ci[2]))
  }
}
write.csv(fmt(resp), "r_responders_thera_like.csv", row.names = FALSE, quote = FALSE)

## ---- missing-data sensitivity at day 8 (sensitivity_vas.csv: correlated, one withdrawal)
vas <- read.csv("sensitivity_vas.csv", stringsAsFactors = FALSE)
m <- pair_with_baseline(vas)
ids <- sort(unique(vas$patient_id))
primary <- 8
oc <- m$change_mm[m$day == primary]
locf <- bocf <- numeric(0)
for (id in ids) {
  s <- m[m$patient_id == id & m$day <= primary, ]
  s <- s[order(s$day), ]
  last <- s$change_mm[nrow(s)]          # baseline (change 0) when nothing after it
  locf <- c(locf, last)
  bocf <- c(bocf, if (any(s$day == primary)) last else 0)
}
sens <- NULL
for (meth in c("observed cases", "LOCF", "BOCF")) {
  x <- switch(meth, "observed cases" = oc, LOCF = locf, BOCF = bocf)
  tt <- t.test(x)
  sens <- rbind(sens, data.frame(method = meth, day = primary, n = length(x), estimate = mean(x),
                                 se = unname(tt$stderr), df = unname(tt$parameter),
                                 ci_low = tt$conf.int[1], ci_high = tt$conf.int[2], pvalue = tt$p.value))
}
post <- m[m$day != 0, ]
post <- post[order(post$patient_id, post$day), ]
post$fday <- factor(post$day)
post$k <- as.integer(post$fday)
fit <- gls(change_mm ~ fday + baseline_mm, data = post,
           correlation = corSymm(form = ~ k | patient_id),
           weights = varIdent(form = ~ 1 | fday), method = "REML")
# emmeans cannot compute Satterthwaite df for this gls fit, so only the LS mean and its
# standard error (which do not depend on the df method) are stored; df and CI are NA.
em <- as.data.frame(summary(emmeans(fit, ~ fday, mode = "df.error", data = post)))
e8 <- em[em$fday == primary, ]
sens <- rbind(sens, data.frame(method = "MMRM", day = primary, n = length(unique(post$patient_id)),
                               estimate = e8$emmean, se = e8$SE, df = NA_real_, ci_low = NA_real_,
                               ci_high = NA_real_, pvalue = NA_real_))
write.csv(fmt(sens), "r_sensitivity.csv", row.names = FALSE, quote = FALSE)
cat("MMRM (gls, unstructured) REML log-likelihood:", sprintf("%.10f", as.numeric(logLik(fit))), "\n")
