# Non-stochastic curtailment (NSC) and Mander-Thompson operating characteristics from the R package
# curtailment (martinlaw/curtailment, CRAN mirror), checked against an independent base-R computation.
# Run from this folder:   Rscript curtailment_r.R     (writes curtailment_r.csv)
#
# Non-stochastic curtailment: patients are assessed one at a time and enrolment stops as soon as the
# design's decision is certain whatever the remaining patients do (futility: the next look's futility
# bound, or the final bound, can no longer be exceeded; efficacy: the final bound is already exceeded).
# The decision (and so alpha and power) is unchanged; only the sample size N falls.
#
# base R (this script, no package): patient-level dynamic programme over states (m, S) = (patients
# assessed, responses). For each state it first computes, backwards, whether "go" and "no go" are
# still both reachable under the uncurtailed design (looks at n_k with bounds a_k, e_k as in
# oc_base_r.R); the curtailed trial stops at the first state where only one decision is reachable.
# Forward probabilities then give E(N), P(go) and the distribution of N at any p.
#
# curtailment (internal, unexported): curtailment:::findNSCdesignOCs(n1, n2, r1, r2, p0, p1) - NSC
# alpha, power, EssH0, Ess of a Simon design (theta0 = 0, theta1 = 1); it is what findNSCdesigns()
# calls for every feasible design. curtailment::findSingleSimonDesign (uncurtailed Simon) and
# curtailment:::simonEfficacy (uncurtailed Mander-Thompson, efficacy stop if X1 > e1).
.libPaths(c("/tmp/Rlib", .libPaths()))
suppressMessages(library(curtailment))
cns <- asNamespace("curtailment")

nsc_base <- function(n, a, e, p) {
  K <- length(n); nK <- n[K]
  look_of <- rep(0L, nK); look_of[n] <- seq_len(K)
  # reach[m+1, S+1, 1] = "no go" reachable, [,,2] = "go" reachable, from state (m, S) before
  # applying a look at m (the look at m is applied by `decide`)
  decide <- function(m, S) {   # decision forced at a look at m, or NA
    k <- look_of[m]; if (m == 0 || k == 0) return(NA)
    if (k == K) return(S > a[K])
    if (S <= a[k]) return(FALSE)
    if (!is.na(e[k]) && S > e[k]) return(TRUE)
    NA
  }
  can <- array(FALSE, c(nK + 1, nK + 1, 2))
  for (m in nK:0) for (S in 0:m) {
    dcs <- decide(m, S)
    if (!is.na(dcs)) { can[m + 1, S + 1, dcs + 1] <- TRUE; next }
    can[m + 1, S + 1, ] <- can[m + 2, S + 1, ] | can[m + 2, S + 2, ]
  }
  prob <- matrix(0, nK + 1, nK + 1); prob[1, 1] <- 1
  en <- 0; pgo <- 0; pN <- numeric(nK)
  for (m in 0:nK) for (S in 0:m) {
    pr <- prob[m + 1, S + 1]; if (pr == 0) next
    both <- all(can[m + 1, S + 1, ])
    dcs <- decide(m, S)
    if (m == nK || !is.na(dcs) || !both) {     # stop here
      go <- if (!is.na(dcs)) dcs else can[m + 1, S + 1, 2]
      en <- en + m * pr; pgo <- pgo + go * pr; pN[m] <- pN[m] + pr
    } else {
      prob[m + 2, S + 1] <- prob[m + 2, S + 1] + pr * (1 - p)
      prob[m + 2, S + 2] <- prob[m + 2, S + 2] + pr * p
    }
  }
  list(en = en, p_go = pgo, p_n = pN)
}

designs <- list(
  list(id = "simon_opt_p02_p04", p0 = 0.2, p1 = 0.4, n = c(13, 43), a = c(3, 12), e = c(NA, NA)),
  list(id = "simon_minimax_p02_p04", p0 = 0.2, p1 = 0.4, n = c(18, 33), a = c(4, 10), e = c(NA, NA)),
  list(id = "simon_opt_p01_p03", p0 = 0.1, p1 = 0.3, n = c(10, 29), a = c(1, 5), e = c(NA, NA)),
  list(id = "simon_opt_p02_p04_a010", p0 = 0.2, p1 = 0.4, n = c(17, 37), a = c(3, 10), e = c(NA, NA)),
  list(id = "mt_opt_p02_p04_a010", p0 = 0.2, p1 = 0.4, n = c(16, 41), a = c(3, 11), e = c(6, NA)),
  list(id = "three_stage_p01_p03", p0 = 0.1, p1 = 0.3, n = c(6, 17, 29), a = c(0, 2, 5), e = c(NA, NA, NA)),
  list(id = "three_stage_eff_p01_p03", p0 = 0.1, p1 = 0.3, n = c(10, 20, 30), a = c(0, 2, 5), e = c(3, 5, NA)),
  list(id = "four_stage_mixed", p0 = 0.3, p1 = 0.5, n = c(5, 12, 20, 30), a = c(-1, 3, 6, 12), e = c(5, 8, 20, NA))
)
rows <- list()
add <- function(id, source, call, quantity, p, value) rows[[length(rows) + 1]] <<- data.frame(
  design_id = id, source = source, call = call, quantity = quantity, p = p, value = sprintf("%.15g", value))
for (d in designs) {
  for (p in c(d$p0, d$p1, 0.05, 0.5)) {
    r <- nsc_base(d$n, d$a, d$e, p)
    add(d$id, "base_r", "nsc_base", "nsc_en", p, r$en)
    add(d$id, "base_r", "nsc_base", "nsc_p_go", p, r$p_go)
    if (p == d$p0) for (m in which(r$p_n > 0)) add(d$id, "base_r", "nsc_base", paste0("nsc_p_n_eq_", m), p, r$p_n[m])
  }
  if (length(d$n) == 2 && all(is.na(d$e))) {
    cl <- sprintf("curtailment:::findNSCdesignOCs(n1 = %d, n2 = %d, r1 = %d, r2 = %d, p0 = %g, p1 = %g)",
                  d$n[1], d$n[2] - d$n[1], d$a[1], d$a[2], d$p0, d$p1)
    o <- eval(parse(text = cl))
    add(d$id, "curtailment", cl, "nsc_alpha", d$p0, o[["alpha"]])
    add(d$id, "curtailment", cl, "nsc_power", d$p1, o[["power"]])
    add(d$id, "curtailment", cl, "nsc_en", d$p0, o[["EssH0"]])
    add(d$id, "curtailment", cl, "nsc_en", d$p1, o[["Ess"]])
    cl <- sprintf("findSingleSimonDesign(n1 = %d, n2 = %d, r1 = %d, r = %d, p0 = %g, p1 = %g)",
                  d$n[1], d$n[2] - d$n[1], d$a[1], d$a[2], d$p0, d$p1)
    o <- eval(parse(text = cl))
    add(d$id, "curtailment", cl, "alpha", d$p0, o[["alpha"]])
    add(d$id, "curtailment", cl, "power", d$p1, o[["power"]])
    add(d$id, "curtailment", cl, "en", d$p0, o[["EssH0"]])
    add(d$id, "curtailment", cl, "en", d$p1, o[["Ess"]])
  }
  if (length(d$n) == 2 && !is.na(d$e[1])) {
    cl <- sprintf("curtailment:::simonEfficacy(n1 = %d, n2 = %d, r1 = %d, r = %d, e1 = %d, p0 = %g, p1 = %g)",
                  d$n[1], d$n[2] - d$n[1], d$a[1], d$a[2], d$e[1], d$p0, d$p1)
    o <- eval(parse(text = cl))
    add(d$id, "curtailment", cl, "alpha", d$p0, o[["alpha"]])
    add(d$id, "curtailment", cl, "power", d$p1, o[["power"]])
    add(d$id, "curtailment", cl, "en", d$p0, o[["EssH0"]])
    add(d$id, "curtailment", cl, "en", d$p1, o[["Ess"]])
  }
}
# Mander-Thompson search restricted to n in 38..41 (admissible designs; note the strict inequalities
# alpha < 0.1 and power > 0.9 in find2stageDesigns)
cl <- "find2stageDesigns(nmin = 38, nmax = 41, p0 = 0.2, p1 = 0.4, alpha = 0.1, power = 0.9, benefit = TRUE)"
t0 <- Sys.time()
f <- try(eval(parse(text = cl)), silent = TRUE)
cat(cl, "took", format(Sys.time() - t0), "\n")
if (!inherits(f, "try-error")) {
  ad <- f$all.des
  print(ad)
  for (i in seq_len(nrow(ad))) {
    id <- sprintf("find2stage_%d_%d_%d_%d_e%d", ad$r1[i], ad$n1[i], ad$r[i], ad$n[i], ad$e1[i])
    for (q in c("alpha", "power", "EssH0", "Ess")) add(id, "curtailment", cl, q, NA, ad[[q]][i])
  }
}
res <- do.call(rbind, rows)
res$curtailment_version <- as.character(packageVersion("curtailment"))
write.csv(res, "curtailment_r.csv", row.names = FALSE)
# agreement summary
b <- res[res$source == "base_r" & res$quantity == "nsc_en", ]
c2 <- res[res$source == "curtailment" & res$quantity == "nsc_en", ]
m <- merge(b, c2, by = c("design_id", "quantity", "p"))
print(data.frame(m$design_id, m$p, base = m$value.x, curtailment = m$value.y,
                 diff = as.numeric(m$value.x) - as.numeric(m$value.y)))
