# Reference values for thera_stats.mmrm from R (nlme::gls + emmeans).
#
# Run from the repository root:
#   Rscript tests/reference/mmrm/make_reference.R
# Reads thera_small.csv and thera_large.csv (written by make_data.py) and
# writes reference_mmrm.csv: one value per line, 17 significant digits,
# with the R, nlme and emmeans versions and the exact calls in its header.

suppressPackageStartupMessages({
  library(nlme)
  library(emmeans)
})

here <- "tests/reference/mmrm"
out_file <- file.path(here, "reference_mmrm.csv")

ctrl <- glsControl(maxIter = 1000, msMaxIter = 1000, tolerance = 1e-12,
                   msTol = 1e-14, natural = FALSE)

structures <- list(
  "unstructured" = list(
    cor = "corSymm(form = ~ visit | id)",
    wts = "varIdent(form = ~ 1 | visit)"),
  "compound-symmetry" = list(
    cor = "corCompSymm(form = ~ visit | id)",
    wts = "NULL"),
  "cs-heterogeneous" = list(
    cor = "corCompSymm(form = ~ visit | id)",
    wts = "varIdent(form = ~ 1 | visit)"),
  "ar1" = list(
    cor = "corAR1(form = ~ visit | id)",
    wts = "NULL"),
  "ar1-heterogeneous" = list(
    cor = "corAR1(form = ~ visit | id)",
    wts = "varIdent(form = ~ 1 | visit)")
)

# The inverse of the REML information, as nlme's apVar, but from
# numDeriv::hessian (Richardson extrapolation) of nlme's own REML
# log-likelihood in (coef(modelStruct), log(sigma)) instead of nlme's
# finite-difference fdHess, whose error reaches several per cent of the
# Satterthwaite df for the unstructured model.
accurate_apvar <- function(fit, d) {
  obj <- fit$modelStruct
  attr(obj, "fixedSigma") <- FALSE
  con <- fit
  class(con) <- class(obj)
  con$Xy <- cbind(model.matrix(~ factor(day) + baseline, data = d), d$change)
  con$fixedSigma <- FALSE
  con$logLik <- 0
  n_reml <- fit$dims$N - fit$dims$REML * fit$dims$p
  pars <- c(coef(obj), lSigma = log(fit$sigma))
  ll <- function(P) nlme:::glsApVar.fullGlsLogLik(P, obj, con, fit$dims, n_reml)
  solve(-numDeriv::hessian(ll, pars))
}

fit_call <- function(s) {
  sprintf(paste0("gls(change ~ factor(day) + baseline, data = d, ",
                 "correlation = %s, weights = %s, method = \"REML\", ",
                 "na.action = na.omit, control = ctrl)"), s$cor, s$wts)
}

rows <- list()
add <- function(dataset, covariance, quantity, label, value) {
  rows[[length(rows) + 1]] <<- data.frame(
    dataset = dataset, covariance = covariance, quantity = quantity,
    label = as.character(label), value = sprintf("%.17g", as.numeric(value)))
}

for (dataset in c("small", "large")) {
  raw <- read.csv(file.path(here, paste0("thera_", dataset, ".csv")))
  d <- raw[raw$day != 0, ]
  d$change <- d$change_mm
  d$baseline <- d$baseline_mm
  d$id <- factor(d$patient_id)
  days <- sort(unique(d$day))
  d$visit <- match(d$day, days)          # visit index 1..8 (AR(1) lag unit)
  d <- d[order(d$id, d$visit), ]
  add(dataset, "", "n_obs", "", nrow(d))
  add(dataset, "", "n_subjects", "", nlevels(d$id))
  full_id <- names(which(table(d$id) == length(days)))[1]
  for (cs in names(structures)) {
    call_text <- fit_call(structures[[cs]])
    fit <- eval(parse(text = call_text))
    add(dataset, cs, "loglik_nlme", "", logLik(fit))
    tt <- summary(fit)$tTable
    for (k in seq_len(nrow(tt))) {
      add(dataset, cs, "coef", rownames(tt)[k], tt[k, "Value"])
      add(dataset, cs, "coef_se", rownames(tt)[k], tt[k, "Std.Error"])
    }
    V <- getVarCov(fit, individual = full_id)
    for (i in seq_along(days)) for (j in seq_along(days))
      add(dataset, cs, "cov", paste(days[i], days[j]), V[i, j])
    rg <- ref_grid(fit, mode = "satterthwaite", data = d)
    args_h <- rg@dfargs
    args_h$A <- accurate_apvar(fit, d)
    for (k in seq_len(nrow(tt))) {
      e <- as.numeric(seq_len(nrow(tt)) == k)
      add(dataset, cs, "coef_df", rownames(tt)[k], rg@dffun(e, rg@dfargs))
      add(dataset, cs, "coef_df_hessian", rownames(tt)[k], rg@dffun(e, args_h))
    }
    emm <- emmeans(rg, ~ day)
    em <- summary(emm)
    for (k in seq_len(nrow(em))) {
      df_h <- rg@dffun(emm@linfct[k, ], args_h)
      add(dataset, cs, "lsmean", em$day[k], em$emmean[k])
      add(dataset, cs, "lsmean_se", em$day[k], em$SE[k])
      add(dataset, cs, "lsmean_df", em$day[k], em$df[k])
      add(dataset, cs, "lsmean_ci_low", em$day[k], em$lower.CL[k])
      add(dataset, cs, "lsmean_ci_high", em$day[k], em$upper.CL[k])
      add(dataset, cs, "lsmean_df_hessian", em$day[k], df_h)
      add(dataset, cs, "lsmean_ci_low_hessian", em$day[k],
          em$emmean[k] - qt(0.975, df_h) * em$SE[k])
      add(dataset, cs, "lsmean_ci_high_hessian", em$day[k],
          em$emmean[k] + qt(0.975, df_h) * em$SE[k])
      add(dataset, cs, "lsmean_p_hessian", em$day[k],
          2 * pt(-abs(em$emmean[k] / em$SE[k]), df_h))
    }
    con <- contrast(emm, method = "trt.vs.ctrl", adjust = "none")
    ct <- summary(con)
    for (k in seq_len(nrow(ct))) {
      lab <- days[k + 1]
      df_h <- rg@dffun(con@linfct[k, ], args_h)
      add(dataset, cs, "contrast_vs_first", lab, ct$estimate[k])
      add(dataset, cs, "contrast_vs_first_se", lab, ct$SE[k])
      add(dataset, cs, "contrast_vs_first_df", lab, ct$df[k])
      add(dataset, cs, "contrast_vs_first_p", lab, ct$p.value[k])
      add(dataset, cs, "contrast_vs_first_df_hessian", lab, df_h)
      add(dataset, cs, "contrast_vs_first_p_hessian", lab,
          2 * pt(-abs(ct$estimate[k] / ct$SE[k]), df_h))
    }
  }
}

header <- c(
  sprintf("# %s; nlme %s; emmeans %s; numDeriv %s", R.version.string,
          packageVersion("nlme"), packageVersion("emmeans"),
          packageVersion("numDeriv")),
  "# Generated by tests/reference/mmrm/make_reference.R from thera_small.csv / thera_large.csv.",
  "# Data: d = rows with day != 0; change = change_mm; baseline = baseline_mm;",
  "#   id = factor(patient_id); visit = index (1..8) of day among the sorted post-baseline days.",
  "# ctrl <- glsControl(maxIter = 1000, msMaxIter = 1000, tolerance = 1e-12, msTol = 1e-14, natural = FALSE)",
  "#   (natural = FALSE so that emmeans uses its analytic Satterthwaite method, which needs apVar",
  "#    in the same parameters as coef(modelStruct); otherwise it falls back to a random kludge.)",
  sprintf("# %s: %s", names(structures), vapply(structures, fit_call, "")),
  "# loglik_nlme = logLik(fit), the REML log-likelihood as nlme reports it.",
  "# coef, coef_se = summary(fit)$tTable[, c(\"Value\", \"Std.Error\")] in R's term order.",
  "# cov = getVarCov(fit, individual = <first patient with all 8 visits>), label = \"day_i day_j\".",
  "# rg <- ref_grid(fit, mode = \"satterthwaite\", data = d)",
  "# coef_df = rg@dffun(e_k, rg@dfargs) for the k-th unit vector e_k (Satterthwaite df of a coefficient).",
  "# lsmean* = summary(emmeans(rg, ~ day)) columns emmean, SE, df, lower.CL, upper.CL (95%).",
  "# contrast_vs_first* = summary(contrast(emmeans(rg, ~ day), method = \"trt.vs.ctrl\", adjust = \"none\"))",
  "#   (day minus the first post-baseline day): estimate, SE, df, p.value.",
  "# *_df_hessian: the same Satterthwaite df (rg@dffun with emmeans' own gradient G) but with",
  "#   A = solve(-numDeriv::hessian(f, c(coef(fit$modelStruct), log(fit$sigma)))), f = nlme's REML",
  "#   log-likelihood nlme:::glsApVar.fullGlsLogLik, instead of fit$apVar (nlme's fdHess, which is",
  "#   inaccurate: up to ~20% error in the df); *_ci_*_hessian = emmean -/+ qt(0.975, df_h) * SE and",
  "#   *_p_hessian = 2 * pt(-|estimate / SE|, df_h)."
)
writeLines(header, out_file)
suppressWarnings(write.table(do.call(rbind, rows), out_file, append = TRUE,
                             sep = ",", row.names = FALSE, quote = TRUE))
