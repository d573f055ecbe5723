# Expected numbers for the synthetic KNEE-NRS trial (data/synthetic/nrs), computed in base R
# from the definitions, independently of thera_stats.
#
# Run from the repository root:
#     Rscript tests/reference/nrs/nrs_reference.R
# Writes tests/reference/nrs/expected.csv (long format, see README.md beside this file).
#
# If the R package clinfun is installed, its ph2simon() and twostage.inference() are run as a
# second oracle and their values are added as rows with r_function "clinfun::...". The base-R
# rows never depend on clinfun.

options(warn = 1)
dir_data <- file.path("data", "synthetic", "nrs")
out_file <- file.path("tests", "reference", "nrs", "expected.csv")
stopifnot(dir.exists(dir_data))

# ----------------------------------------------------------------------------- plan.toml
# A minimal reader for the subset of TOML this plan uses: [section] headers, `key = value`
# lines (number, "string", [list]) and the inline tables of eligibility.rules.
read_plan <- function(path) {
  lines <- readLines(path, warn = FALSE)
  plan <- list()
  section <- ""
  rules <- list()
  for (ln in lines) {
    ln <- sub("\\s+#.*$", "", sub("^\\s*#.*$", "", ln))  # comments (no '#' inside strings here)
    ln <- trimws(ln)
    if (ln == "") next
    if (grepl("^\\[[a-z_]+\\]$", ln)) {
      section <- gsub("[][]", "", ln)
      plan[[section]] <- list()
      next
    }
    if (grepl("^\\{", ln)) {  # one eligibility rule per line
      m <- regmatches(ln, regexec(
        '^\\{ *column *= *"([^"]+)", *op *= *"([^"]+)", *value *= *(.+?) *\\},?$', ln))[[1]]
      stopifnot(length(m) == 4)
      rules[[length(rules) + 1]] <- list(column = m[2], op = m[3], value = parse_value(m[4]))
      next
    }
    if (grepl("^rules *= *\\[$", ln) || ln == "]") next
    m <- regmatches(ln, regexec("^([a-z0-9_]+) *= *(.+)$", ln))[[1]]
    stopifnot(length(m) == 3)
    plan[[section]][[m[2]]] <- parse_value(m[3])
  }
  plan$eligibility$rules <- rules
  plan
}
parse_value <- function(s) {
  s <- trimws(s)
  if (grepl('^".*"$', s)) return(substr(s, 2, nchar(s) - 1))
  if (grepl("^\\[.*\\]$", s)) {
    inner <- trimws(strsplit(substr(s, 2, nchar(s) - 1), ",")[[1]])
    return(vapply(inner, parse_value, numeric(1), USE.NAMES = FALSE))
  }
  if (s %in% c("true", "false")) return(s == "true")
  as.numeric(s)
}

plan <- read_plan(file.path(dir_data, "plan.toml"))
d <- plan$design
ep <- plan$endpoint
r1 <- d$r1; n1 <- d$n1; r <- d$r; n <- d$n; n2 <- n - n1; p0 <- d$p0; p1 <- d$p1
stopifnot(d$type == "simon", ep$kind == "score", ep$better == "lower", ep$combine == "and",
          ep$missing == "non-responder", plan$analysis$population == "treated")
conf <- plan$analysis$confidence_level            # 0.90
score_conf <- plan$analysis$score_confidence_level  # 0.95
sched <- plan$schedule$days
win <- plan$schedule$window
base_day <- plan$analysis$baseline_day

# ----------------------------------------------------------------------------- tables
pat <- read.csv(file.path(dir_data, "patients.csv"), colClasses = c(patient_id = "character",
                enrolment_date = "Date", withdrawal_reason = "character"))
pain <- read.csv(file.path(dir_data, paste0(ep$table, ".csv")),
                 colClasses = c(patient_id = "character"))
stopifnot(!anyDuplicated(pat$patient_id), !anyDuplicated(pain[c("patient_id", "day")]),
          !anyDuplicated(pat$enrolment_date),
          all(pat$enrolment_date <= as.Date(plan$analysis$data_cutoff)),
          !file.exists(file.path(dir_data, "adverse_events.csv")))

# scheduled day of every assessment (the one whose +/- window holds it; baseline exact)
pain$scheduled <- vapply(pain$day, function(dd) {
  hit <- sched[abs(dd - sched) <= win]
  if (length(hit) != 1) stop("day ", dd, " is in ", length(hit), " windows")
  hit
}, numeric(1))
stopifnot(!anyDuplicated(pain[c("patient_id", "scheduled")]))
value_at <- function(pid, sday) {
  v <- pain[[ep$column]][pain$patient_id == pid & pain$scheduled == sday]
  if (length(v) == 0) NA_real_ else v
}
day_at <- function(pid, sday) {
  v <- pain$day[pain$patient_id == pid & pain$scheduled == sday]
  if (length(v) == 0) NA_real_ else v
}

# population "treated": at least one dose; stages by enrolment date (first n1 = stage 1)
treated <- pat[pat[[plan$treatment$column]] >= 1, ]
treated <- treated[order(treated$enrolment_date), ]
stopifnot(nrow(treated) == n)  # on plan: both stages complete
treated$stage <- ifelse(seq_len(nrow(treated)) <= n1, 1L, 2L)

# per-patient endpoint
treated$baseline <- vapply(treated$patient_id, value_at, numeric(1), sday = base_day)
treated$endpoint_day <- vapply(treated$patient_id, day_at, numeric(1), sday = ep$day)
treated$endpoint_value <- vapply(treated$patient_id, value_at, numeric(1), sday = ep$day)
treated$improvement <- treated$baseline - treated$endpoint_value      # better = "lower"
treated$relative_improvement <- treated$improvement / treated$baseline
# responder: improvement >= relative_change * baseline AND >= absolute_change. NRS values are
# integers and relative_change = 0.30 = 3/10, so the relative rule is checked exactly in integers.
stopifnot(ep$relative_change == 0.30, all(treated$baseline == round(treated$baseline)))
rel_ok <- 10 * treated$improvement >= 3 * treated$baseline
abs_ok <- treated$improvement >= ep$absolute_change
treated$responder <- !is.na(treated$improvement) & rel_ok & abs_ok
treated$responder[is.na(treated$responder)] <- FALSE                  # missing = non-responder

x1 <- sum(treated$responder[treated$stage == 1])
x <- sum(treated$responder)
x2 <- x - x1
decision <- if (x1 <= r1) "stop after stage 1 (no-go)" else if (x > r) "go" else "no-go"

# ----------------------------------------------------------------------------- inference
bt_greater <- binom.test(x, n, p = p0, alternative = "greater")
bt_two <- binom.test(x, n, p = p0, alternative = "two.sided", conf.level = conf)
cp <- bt_two$conf.int

# stage-wise ordering (Koyama & Chen 2008): outcomes that continue to stage 2 are ordered by the
# total X; P_p(T >= (x1 > r1, x)) = sum_{k = r1+1}^{n1} dbinom(k, n1, p) P(X2 >= x - k).
upper_tail <- function(p) {
  k <- (r1 + 1):n1
  sum(dbinom(k, n1, p) * pbinom(x - k - 1, n2, p, lower.tail = FALSE))
}
# P_p(T <= t) = P(X1 <= r1) + sum_{k > r1} dbinom(k, n1, p) P(X2 <= x - k)
lower_tail_at <- function(p, t) {
  k <- (r1 + 1):n1
  pbinom(r1, n1, p) + sum(dbinom(k, n1, p) * pbinom(t - k, n2, p))
}
lower_tail <- function(p) lower_tail_at(p, x)
stopifnot(x1 > r1)
p_two_stage <- upper_tail(p0)
a_tail <- (1 - conf) / 2
ts_low <- uniroot(function(p) upper_tail(p) - a_tail, c(1e-9, 1 - 1e-9), tol = 1e-15)$root
ts_high <- uniroot(function(p) lower_tail(p) - a_tail, c(1e-9, 1 - 1e-9), tol = 1e-15)$root
# clinfun's convention for the upper limit (see the clinfun rows below): P_p(T <= t - 1) = a
ts_high_xm1 <- uniroot(function(p) lower_tail_at(p, x - 1) - a_tail, c(1e-9, 1 - 1e-9), tol = 1e-15)$root
ts_median <- uniroot(function(p) upper_tail(p) - 0.5, c(1e-9, 1 - 1e-9), tol = 1e-15)$root

# UMVUE after a completed Simon design (Jung & Kim 2004, eq. for X1 > r1):
#   sum_k C(n1-1, k-1) C(n2, x-k) / sum_k C(n1, k) C(n2, x-k),  k = max(r1+1, x-n2) .. min(x, n1)
k <- max(r1 + 1, x - n2):min(x, n1)
umvue <- sum(choose(n1 - 1, k - 1) * choose(n2, x - k)) / sum(choose(n1, k) * choose(n2, x - k))

# ----------------------------------------------------------------------------- design
pet <- function(p, r1, n1) pbinom(r1, n1, p)
p_go <- function(p, r1, n1, r, n) {
  k <- (r1 + 1):n1
  sum(dbinom(k, n1, p) * pbinom(r - k, n - n1, p, lower.tail = FALSE))
}
alpha_exact <- p_go(p0, r1, n1, r, n)
power_exact <- p_go(p1, r1, n1, r, n)
pet_p0 <- pet(p0, r1, n1)
en_p0 <- n1 + (1 - pet_p0) * n2
pet_p1 <- pet(p1, r1, n1)
en_p1 <- n1 + (1 - pet_p1) * n2

# brute-force minimax search (Simon 1989): the smallest n with any (r1, n1, r) meeting
# alpha <= alpha and power >= power; among those, the smallest EN(p0).
# For fixed (n, n1, r1) both error rates fall as r grows, so the smallest r with alpha met
# is the only candidate worth checking for power.
minimax_search <- function(p0, p1, alpha, power, nmax = 100) {
  for (nn in 2:nmax) {
    best <- NULL
    for (m1 in 1:(nn - 1)) {
      for (s1 in 0:(m1 - 1)) {
        k <- (s1 + 1):m1
        dk0 <- dbinom(k, m1, p0); dk1 <- dbinom(k, m1, p1)
        rr <- NA
        for (s in s1:(nn - 1)) {
          if (sum(dk0 * pbinom(s - k, nn - m1, p0, lower.tail = FALSE)) <= alpha) {
            rr <- s; break
          }
        }
        if (is.na(rr)) next
        pw <- sum(dk1 * pbinom(rr - k, nn - m1, p1, lower.tail = FALSE))
        if (pw < power) next
        en <- m1 + (1 - pbinom(s1, m1, p0)) * (nn - m1)
        if (is.null(best) || en < best$en - 1e-12) best <- list(r1 = s1, n1 = m1, r = rr, n = nn, en = en)
      }
    }
    if (!is.null(best)) return(best)
  }
  stop("no design with n <= nmax")
}
mm <- minimax_search(p0, p1, d$alpha, d$power)

# ----------------------------------------------------------------------------- NRS change
day_rows <- list()
for (sday in setdiff(sched, base_day)) {
  v <- vapply(treated$patient_id, value_at, numeric(1), sday = sday)
  ch <- v - treated$baseline               # change from baseline (negative = less pain)
  ch <- ch[!is.na(ch)]
  tt <- t.test(ch, conf.level = score_conf)
  # R defaults: exact = NULL (exact only if n < 50 and no ties or zeros), correct = TRUE
  wt <- withCallingHandlers(wilcox.test(ch), warning = function(w) invokeRestart("muffleWarning"))
  exact_used <- length(ch) < 50 && !any(ch == 0) && !anyDuplicated(ch)
  day_rows[[length(day_rows) + 1]] <- list(
    day = sday, n = length(ch), mean = mean(ch), sd = sd(ch), t_low = tt$conf.int[1],
    t_high = tt$conf.int[2], t_p = tt$p.value, w_stat = unname(wt$statistic), w_p = wt$p.value,
    w_exact = exact_used, n_zero = sum(ch == 0))
}

# ----------------------------------------------------------------------------- deviations
breach <- function(val, op, ref) {
  switch(op, "==" = val == ref, "!=" = val != ref, ">" = val > ref, ">=" = val >= ref,
         "<" = val < ref, "<=" = val <= ref, "in" = val %in% ref, "not in" = !(val %in% ref),
         stop("op ", op))
}
dev_rows <- list()
for (rule in plan$eligibility$rules) {
  vals <- if (rule$column == "baseline") treated$baseline else treated[[rule$column]]
  ok <- breach(vals, rule$op, rule$value)
  for (i in which(!ok)) {
    dev_rows[[length(dev_rows) + 1]] <- list(
      patient_id = treated$patient_id[i],
      rule = paste(rule$column, rule$op,
                   if (length(rule$value) > 1) paste0("[", paste(rule$value, collapse = ", "), "]")
                   else rule$value),
      value = vals[i])
  }
}

# ----------------------------------------------------------------------------- output
fmt <- function(v) {
  if (is.logical(v)) return(ifelse(v, "true", "false"))
  if (is.numeric(v)) return(ifelse(is.na(v), "", ifelse(v == round(v) & abs(v) < 1e15,
                                     sprintf("%.0f", v), sprintf("%.17g", v))))
  as.character(v)
}
rows <- list()
add <- function(quantity, value, r_function, patient_id = "", day = "") {
  rows[[length(rows) + 1]] <<- data.frame(quantity = quantity, patient_id = patient_id,
                                         day = as.character(day), value = fmt(value),
                                         r_function = r_function)
}

# design
add("design_r1", r1, "plan.toml"); add("design_n1", n1, "plan.toml")
add("design_r", r, "plan.toml"); add("design_n", n, "plan.toml")
add("minimax_r1", mm$r1, "brute-force search (dbinom, pbinom)")
add("minimax_n1", mm$n1, "brute-force search (dbinom, pbinom)")
add("minimax_r", mm$r, "brute-force search (dbinom, pbinom)")
add("minimax_n", mm$n, "brute-force search (dbinom, pbinom)")
add("design_alpha_exact", alpha_exact, "sum(dbinom(k, n1, p0) * pbinom(r - k, n2, p0, lower.tail = FALSE))")
add("design_power_exact", power_exact, "sum(dbinom(k, n1, p1) * pbinom(r - k, n2, p1, lower.tail = FALSE))")
add("design_pet_p0", pet_p0, "pbinom(r1, n1, p0)")
add("design_en_p0", en_p0, "n1 + (1 - pbinom(r1, n1, p0)) * n2")
add("design_pet_p1", pet_p1, "pbinom(r1, n1, p1)")
add("design_en_p1", en_p1, "n1 + (1 - pbinom(r1, n1, p1)) * n2")

# patients
add("n_enrolled", nrow(pat), "nrow")
add("n_treated", nrow(treated), "sum(doses_received >= 1)")
add("n_full_course", sum(treated[[plan$treatment$column]] == plan$treatment$planned), "sum")
add("n_withdrawn", sum(tolower(as.character(pat$withdrawn)) == "true"), "sum")
add("n_endpoint_assessed", sum(!is.na(treated$endpoint_value)), "sum")
for (i in seq_len(nrow(treated))) {
  pid <- treated$patient_id[i]
  add("stage", treated$stage[i], "order(enrolment_date); first n1 = stage 1", pid)
  add("baseline", treated$baseline[i], "value on day 0", pid)
  add("endpoint_day", treated$endpoint_day[i], "assessment day within 14 +/- 2", pid)
  add("endpoint_value", treated$endpoint_value[i], "value in the day-14 window", pid)
  add("improvement", treated$improvement[i], "baseline - endpoint_value", pid)
  add("relative_improvement", treated$relative_improvement[i], "(baseline - endpoint_value) / baseline", pid)
  add("responder", treated$responder[i], "10 * improvement >= 3 * baseline & improvement >= 2; NA -> FALSE", pid)
}

# response and decision
add("n_stage1", sum(treated$stage == 1), "sum"); add("n_stage2", sum(treated$stage == 2), "sum")
add("x1", x1, "sum(responder[stage == 1])")
add("x2", x2, "sum(responder[stage == 2])")
add("x", x, "sum(responder)")
add("decision", decision, "x1 <= r1: stop; else x > r: go; else no-go")
add("response_rate", x / n, "x / n")
add("binomial_pvalue_greater", bt_greater$p.value, sprintf('binom.test(%d, %d, p = %s, alternative = "greater")$p.value', x, n, p0))
add("clopper_pearson_low", cp[1], sprintf("binom.test(%d, %d, conf.level = %s)$conf.int[1]", x, n, conf))
add("clopper_pearson_high", cp[2], sprintf("binom.test(%d, %d, conf.level = %s)$conf.int[2]", x, n, conf))
add("two_stage_pvalue", p_two_stage, "sum(dbinom(k, n1, p0) * pbinom(x - k - 1, n2, p0, lower.tail = FALSE)), k = r1+1..n1")
add("two_stage_umvue", umvue, "Jung & Kim (2004): sum(choose(n1-1, k-1) * choose(n2, x-k)) / sum(choose(n1, k) * choose(n2, x-k))")
add("two_stage_ci_low", ts_low, "uniroot(P_p(T >= t) = (1 - 0.90)/2, tol = 1e-15), stage-wise ordering")
add("two_stage_ci_high", ts_high, "uniroot(P_p(T <= t) = (1 - 0.90)/2, tol = 1e-15), stage-wise ordering")
add("two_stage_ci_high_at_x_minus_1", ts_high_xm1, "uniroot(P_p(T <= t - 1) = (1 - 0.90)/2, tol = 1e-15): clinfun's upper-limit convention")
add("two_stage_median_unbiased", ts_median, "uniroot(P_p(T >= t) = 1/2, tol = 1e-15), stage-wise ordering")

# NRS change from baseline by scheduled day
for (row in day_rows) {
  add("change_n", row$n, "sum(!is.na(change))", day = row$day)
  add("change_mean", row$mean, "mean(change)", day = row$day)
  add("change_sd", row$sd, "sd(change)", day = row$day)
  add("change_t_low", row$t_low, "t.test(change, conf.level = 0.95)$conf.int[1]", day = row$day)
  add("change_t_high", row$t_high, "t.test(change, conf.level = 0.95)$conf.int[2]", day = row$day)
  add("change_t_pvalue", row$t_p, "t.test(change)$p.value", day = row$day)
  add("change_wilcoxon_v", row$w_stat, "wilcox.test(change)$statistic", day = row$day)
  add("change_wilcoxon_pvalue", row$w_p, "wilcox.test(change)$p.value (R defaults: exact = NULL, correct = TRUE)", day = row$day)
  add("change_wilcoxon_exact", row$w_exact, "n < 50 and no ties or zeros", day = row$day)
  add("change_n_zero", row$n_zero, "sum(change == 0) (dropped by wilcox.test)", day = row$day)
}

# protocol deviations
add("n_protocol_deviations", length(dev_rows), "eligibility rules of plan.toml")
for (dv in dev_rows) add("protocol_deviation", dv$rule, "eligibility rule breached", dv$patient_id)

# second oracle: clinfun, when installed
if (requireNamespace("clinfun", quietly = TRUE)) {
  ver <- as.character(packageVersion("clinfun"))
  ph <- clinfun::ph2simon(p0, p1, d$alpha, 1 - d$power)
  mmrow <- ph$out[1, ]  # first row = minimax
  call_ph <- sprintf("clinfun::ph2simon(%s, %s, %s, %s) minimax (clinfun %s)", p0, p1, d$alpha, 1 - d$power, ver)
  add("minimax_r1", mmrow[["r1"]], call_ph); add("minimax_n1", mmrow[["n1"]], call_ph)
  add("minimax_r", mmrow[["r"]], call_ph); add("minimax_n", mmrow[["n"]], call_ph)
  add("design_en_p0", mmrow[["EN(p0)"]], call_ph)
  add("design_pet_p0", mmrow[["PET(p0)"]], call_ph)
  a <- (1 - conf) / 2
  ti <- clinfun::twostage.inference(x, r1, n1, n, p0, alpha = a)
  call_ti <- sprintf("clinfun::twostage.inference(%d, %d, %d, %d, %s, alpha = %s) (clinfun %s)", x, r1, n1, n, p0, a, ver)
  add("two_stage_umvue", ti[[1]], call_ti)
  add("two_stage_pvalue", ti[[2]], call_ti)
  # clinfun's limits lie on a grid of step 1e-4, and its upper limit solves P_p(T >= t) = 1 - a,
  # i.e. P_p(T <= t - 1) = a: the exact upper limit of the outcome below (t - 1), not of t. So
  # they get their own names; two_stage_ci_high_at_x_minus_1 (base R) is that convention exactly.
  add("two_stage_ci_low_clinfun", ti[[3]], paste(call_ti, "(grid of step 1e-4)"))
  add("two_stage_ci_high_clinfun", ti[[4]], paste(call_ti, "(grid of step 1e-4)"))
  stopifnot(mmrow[["r1"]] == mm$r1, mmrow[["n1"]] == mm$n1, mmrow[["r"]] == mm$r,
            mmrow[["n"]] == mm$n, abs(mmrow[["EN(p0)"]] - en_p0) < 1e-12,
            abs(mmrow[["PET(p0)"]] - pet_p0) < 1e-12, abs(ti[[1]] - umvue) < 1e-14,
            abs(ti[[2]] - p_two_stage) < 1e-14, ti[[3]] >= ts_low, ti[[3]] - ts_low < 1e-4,
            ti[[4]] <= ts_high_xm1, ts_high_xm1 - ti[[4]] < 1e-4)
} else {
  message("clinfun not installed: its rows are left out")
}

out <- do.call(rbind, rows)
header <- c(sprintf("# KNEE-NRS expected values; %s; made by: Rscript tests/reference/nrs/nrs_reference.R",
                    R.version.string),
            "# columns: quantity, patient_id (per-patient rows), day (per-day rows), value, r_function")
writeLines(header, out_file)
suppressWarnings(write.table(out, out_file, sep = ",", row.names = FALSE, quote = TRUE,
                             append = TRUE, col.names = TRUE, qmethod = "double"))

# console summary
cat(sprintf("design %d/%d, %d/%d (minimax search: %d/%d, %d/%d); alpha %.4f power %.4f PET %.4f EN %.2f\n",
            r1, n1, r, n, mm$r1, mm$n1, mm$r, mm$n, alpha_exact, power_exact, pet_p0, en_p0))
cat(sprintf("x1 = %d, x = %d: %s; binomial p = %.5g; CP %.0f%% [%.5f, %.5f]; two-stage p = %.5g; UMVUE %.5f; CI [%.5f, %.5f]\n",
            x1, x, decision, bt_greater$p.value, 100 * conf, cp[1], cp[2], p_two_stage, umvue, ts_low, ts_high))
