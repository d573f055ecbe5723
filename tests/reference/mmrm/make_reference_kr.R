# Reference values for thera_stats.mmrm from R mmrm (TMB): Kenward-Roger and
# Kenward-Roger-Linear degrees of freedom and standard errors, Satterthwaite
# for comparison, and the fits of every covariance structure (Toeplitz and
# heterogeneous Toeplitz among them): REML log-likelihood, coefficients and
# the implied covariance matrix. Each fit is polished: refitted with nlminb
# (TMB's gradient and Hessian, rel.tol = 1e-15) from the theta of the default
# fit (L-BFGS-B), which stops up to 3e-5 below the maximum of the REML
# log-likelihood and so moves Kenward-Roger standard errors by up to 6e-4.
#
# Run from the repository root (mmrm installed in /tmp/Rlib, see README.md):
#   Rscript tests/reference/mmrm/make_reference_kr.R
# Reads thera_small.csv, thera_large.csv (written by make_data.py) and the
# synthetic THERA trial data/synthetic/thera/vas.csv; writes
# reference_mmrm_kr.csv: one value per line, 17 significant digits, with the
# R and package versions and the exact calls in its header.

suppressPackageStartupMessages(library(mmrm, lib.loc = "/tmp/Rlib"))

here <- "tests/reference/mmrm"
out_file <- file.path(here, "reference_mmrm_kr.csv")

# Every data set in the layout of the mmrm tests: change ~ day + baseline.
load_changes <- function(name) {
  if (name == "thera") {
    v <- read.csv("data/synthetic/thera/vas.csv")
    base <- v[v$day == 0, c("patient_id", "vas_mm")]
    names(base)[2] <- "baseline_mm"
    v <- merge(v, base, by = "patient_id")
    v$change_mm <- v$vas_mm - v$baseline_mm
  } else {
    v <- read.csv(file.path(here, sprintf("thera_%s.csv", name)))
  }
  d <- v[v$day > 0 & !is.na(v$change_mm), ]
  d$visit <- factor(d$day, levels = sort(unique(d$day)))
  d$id <- factor(d$patient_id)
  d[order(d$id, d$visit), ]
}

structures <- c(
  "unstructured" = "us", "compound-symmetry" = "cs", "cs-heterogeneous" = "csh",
  "ar1" = "ar1", "ar1-heterogeneous" = "ar1h", "toeplitz" = "toep",
  "toeplitz-heterogeneous" = "toeph"
)
methods <- c(
  "satterthwaite" = "method = \"Satterthwaite\"",
  "kenward-roger" = "method = \"Kenward-Roger\"",
  "kenward-roger-linear" = "method = \"Kenward-Roger\", vcov = \"Kenward-Roger-Linear\""
)

fit_call <- function(s, m) {
  sprintf(paste0("mmrm(change_mm ~ visit + baseline_mm + %s(visit | id), data = d, ",
                 "reml = TRUE, %s)"), s, m)
}

polishers <- c(
  nlminb = paste0("optimizer = \"nlminb\", optimizer_control = list(rel.tol = 1e-15, ",
                  "eval.max = 10000, iter.max = 10000)"),
  BFGS = "optimizer = \"BFGS\", optimizer_control = list(reltol = 1e-16, maxit = 10000)"
)
polish_call <- function(s, m, opt = polishers[["nlminb"]]) {
  sub(")$", paste0(", start = component(fit0, \"theta_est\"), ", opt, ")"), fit_call(s, m))
}
polish <- function(fit0, s, m, d) {
  best <- fit0
  for (opt in polishers) {
    fit <- try(eval(parse(text = polish_call(s, m, opt))), silent = TRUE)
    if (!inherits(fit, "try-error") && logLik(fit) > logLik(best)) best <- fit
  }
  best
}

rows <- list()
add <- function(dataset, covariance, quantity, label, value) {
  rows[[length(rows) + 1]] <<- data.frame(
    dataset = dataset, covariance = covariance, quantity = quantity,
    label = as.character(label), value = sprintf("%.17g", as.numeric(value)))
}

for (dataset in c("thera", "small", "large")) {
  d <- load_changes(dataset)
  add(dataset, "", "n_obs", "", nrow(d))
  add(dataset, "", "n_subjects", "", nlevels(d$id))
  days <- levels(d$visit)
  for (cov_name in names(structures)) {
    s <- structures[[cov_name]]
    for (df_name in names(methods)) {
      fit0 <- eval(parse(text = fit_call(s, methods[[df_name]])))
      fit <- polish(fit0, s, methods[[df_name]], d)
      b <- coef(fit)
      if (df_name == "satterthwaite") {
        add(dataset, cov_name, "loglik", "", logLik(fit))
        add(dataset, cov_name, "coef", names(b), b)
        sig <- VarCorr(fit)
        add(dataset, cov_name, "cov",
            as.vector(outer(rownames(sig), colnames(sig), paste)), as.vector(sig))
        add(dataset, cov_name, "converged", "", as.numeric(component(fit, "convergence") == 0))
      }
      # LS means: intercept + day effect + baseline at its mean over the analysed rows.
      for (j in seq_along(days)) {
        l <- numeric(length(b)); l[1] <- 1; if (j > 1) l[j] <- 1
        l[length(b)] <- mean(d$baseline_mm)
        r <- df_1d(fit, l)
        add(dataset, cov_name, paste0("lsmean_se_", df_name), days[j], r$se)
        add(dataset, cov_name, paste0("lsmean_df_", df_name), days[j], r$df)
      }
      # Coefficients (unit contrasts).
      for (k in seq_along(b)) {
        l <- numeric(length(b)); l[k] <- 1
        r <- df_1d(fit, l)
        add(dataset, cov_name, paste0("coef_se_", df_name), names(b)[k], r$se)
        add(dataset, cov_name, paste0("coef_df_", df_name), names(b)[k], r$df)
      }
      # Last day minus first day.
      l <- numeric(length(b)); l[length(days)] <- 1
      r <- df_1d(fit, l)
      add(dataset, cov_name, paste0("last_vs_first_se_", df_name), "", r$se)
      add(dataset, cov_name, paste0("last_vs_first_df_", df_name), "", r$df)
    }
  }
}

header <- c(
  sprintf("# %s; mmrm %s; TMB %s; Matrix %s", R.version.string,
          packageVersion("mmrm", lib.loc = "/tmp/Rlib"), packageVersion("TMB"),
          packageVersion("Matrix")),
  "# Generated by tests/reference/mmrm/make_reference_kr.R.",
  "# Data: thera = data/synthetic/thera/vas.csv, change_mm = vas_mm - day-0 vas_mm, baseline_mm = day-0 vas_mm;",
  "#   small, large = thera_small.csv, thera_large.csv (make_data.py). d = rows with day > 0 and a response;",
  "#   visit = factor(day) (levels sorted), id = factor(patient_id).",
  sprintf("# %s, %s: %s", names(structures), structures,
          vapply(structures, fit_call, "", m = "<method>")),
  sprintf("# <method> for quantity suffix %s: %s", names(methods), methods),
  "# then fit <- the refit with the highest log-likelihood among fit0 and (where they succeed)",
  sprintf("#   %s", vapply(polishers, function(o) polish_call("<cov>", "<method>", o), "")),
  "# loglik = logLik(fit); coef = coef(fit); cov = VarCorr(fit)",
  "#   (label 'day_i day_j', column-major); converged = component(fit, 'convergence') == 0.",
  "# lsmean_se/df = df_1d(fit, l)$se/$df with l = intercept + day dummy + mean(d$baseline_mm)",
  "#   (label day); coef_se/df = df_1d of the unit vectors; last_vs_first = df_1d of the last day's dummy."
)
writeLines(header, out_file)
suppressWarnings(write.table(do.call(rbind, rows), out_file, sep = ",", row.names = FALSE,
                             append = TRUE, qmethod = "double"))
