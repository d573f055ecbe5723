# Exact operating characteristics of multi-stage single-arm binary designs, by brute-force
# enumeration in base R (no package). Run from this folder:
#   Rscript oc_base_r.R        (writes oc_base_r_designs.csv and oc_base_r.csv, < 1 minute)
#
# Conventions (those of the thera_stats engine):
#   cumulative sizes n_1 < ... < n_K; X_k = cumulative number of responses after n_k patients.
#   At look k < K: stop with "no go" if X_k <= a_k; stop with "go" if X_k > e_k
#   (e_k = NA or e_k >= n_k: no efficacy stop; a_k = -1: no futility stop); otherwise continue.
#   At look K: "go" iff X_K > a_K.
#
# Method: every stage-wise outcome (y_1, ..., y_K), y_k = responses among the m_k = n_k - n_{k-1}
# patients of stage k, is enumerated (expand.grid over 0..m_k for every stage), its probability is
# prod_k dbinom(y_k, m_k, p), and the rule above is applied to the path X_k = y_1 + ... + y_k to find
# where it stops and with which decision. Paths that stop at look k still enumerate the stages they
# never reach; summing over those stages gives factor 1, so no recursion or convolution is used.
# Probabilities are summed with sum() in long double where the platform has it; the check
# `total = 1` is printed for every design and p.
#
# Output oc_base_r.csv (long): design_id, p, quantity, look, value, with quantity one of
#   p_go                overall P(go)                                   (look NA)
#   p_nogo              overall P(no go)                                (look NA)
#   p_stop_futility     P(stop at look k with no go), k < K; at k = K: P(reach K and X_K <= a_K)
#   p_stop_efficacy     P(stop at look k with go),   k < K; at k = K: P(reach K and X_K > a_K)
#   p_n                 P(N = n_k), N the attained sample size          (look k)
#   p_early_stop        P(N < n_K)                                      (look NA)
#   en                  E(N)                                            (look NA)
#   sd_n                SD(N)                                           (look NA)
# values printed with 17 significant digits.

designs <- list(
  # Simon (1989), Table 1 (p1 = p0 + 0.2, alpha 0.05, beta 0.20), as in tests/reference/simon.
  list(id = "simon_opt_p02_p04", p0 = 0.2, p1 = 0.4, n = c(13, 43), a = c(3, 12), e = c(NA, NA),
       source = "Simon (1989) Table 1 optimal, alpha 0.05 beta 0.20; clinfun::ph2simon(0.2, 0.4, 0.05, 0.2)"),
  list(id = "simon_minimax_p02_p04", p0 = 0.2, p1 = 0.4, n = c(18, 33), a = c(4, 10), e = c(NA, NA),
       source = "Simon (1989) Table 1 minimax, alpha 0.05 beta 0.20; clinfun::ph2simon(0.2, 0.4, 0.05, 0.2)"),
  list(id = "simon_opt_p01_p03", p0 = 0.1, p1 = 0.3, n = c(10, 29), a = c(1, 5), e = c(NA, NA),
       source = "Simon (1989) Table 1 optimal, alpha 0.05 beta 0.20; singlearm::build_gs default"),
  list(id = "simon_opt_p02_p04_a010", p0 = 0.2, p1 = 0.4, n = c(17, 37), a = c(3, 10), e = c(NA, NA),
       source = "Simon (1989) Table 1 optimal, alpha = beta = 0.10; clinfun::ph2simon(0.2, 0.4, 0.1, 0.1)"),
  list(id = "twostage_2_10_7_22", p0 = 0.2, p1 = 0.45, n = c(10, 22), a = c(2, 7), e = c(NA, NA),
       source = "clinfun::ph2simon(0.2, 0.45, 0.05, 0.2) optimal (alpha 0.05, beta 0.20); see clinfun_r.csv"),
  # Mander & Thompson (2010) section 4: p0 0.2, p1 0.4, alpha = beta = 0.1, optimal under H0.
  list(id = "mt_opt_p02_p04_a010", p0 = 0.2, p1 = 0.4, n = c(16, 41), a = c(3, 11), e = c(6, NA),
       source = "Mander & Thompson (2010) sec. 4 optimal (3/16, efficacy stop X1 > 6, 11/41); mtdesign_r.csv"),
  # Other Mander-Thompson designs found by mtdesign (mtdesign_r.csv)
  list(id = "mt_minimax_p02_p04_a010", p0 = 0.2, p1 = 0.4, n = c(27, 35), a = c(5, 10), e = c(8, NA),
       source = "mtdesign obtainDesign(p0 = 0.2, p1 = 0.4, alpha = 0.1, beta = 0.1) minimaxNull"),
  list(id = "mt_optalt_p02_p04_a010", p0 = 0.2, p1 = 0.4, n = c(15, 38), a = c(1, 11), e = c(5, NA),
       source = "mtdesign obtainDesign(p0 = 0.2, p1 = 0.4, alpha = 0.1, beta = 0.1) optimalAlt; also curtailment::find2stageDesigns"),
  list(id = "mt_opt_p02_p04_a005", p0 = 0.2, p1 = 0.4, n = c(13, 43), a = c(3, 12), e = c(7, NA),
       source = "mtdesign obtainDesign(p0 = 0.2, p1 = 0.4, alpha = 0.05, beta = 0.2) optimalNull"),
  list(id = "mt_minimax_p02_p04_a005", p0 = 0.2, p1 = 0.4, n = c(15, 32), a = c(2, 10), e = c(6, NA),
       source = "mtdesign obtainDesign(p0 = 0.2, p1 = 0.4, alpha = 0.05, beta = 0.2) minimaxNull"),
  list(id = "mt_optalt_p02_p04_a005", p0 = 0.2, p1 = 0.4, n = c(16, 35), a = c(3, 11), e = c(6, NA),
       source = "mtdesign obtainDesign(p0 = 0.2, p1 = 0.4, alpha = 0.05, beta = 0.2) optimalAlt"),
  # Three-stage, futility only (Chen 1997 type): singlearm::des_gs(J = 3, pi0 = 0.1, pi1 = 0.3,
  # alpha = 0.05, beta = 0.2, Nmin = 25, Nmax = 35), optimality "null_ess" (see singlearm_r.csv).
  list(id = "three_stage_p01_p03", p0 = 0.1, p1 = 0.3, n = c(6, 17, 29), a = c(0, 2, 5), e = c(NA, NA, NA),
       source = "singlearm::des_gs(J = 3, pi0 = 0.1, pi1 = 0.3, alpha = 0.05, beta = 0.2, Nmin = 25, Nmax = 35)"),
  list(id = "three_stage_p02_p04", p0 = 0.2, p1 = 0.4, n = c(13, 27, 43), a = c(3, 7, 12), e = c(NA, NA, NA),
       source = "constructed: Simon 3/13, 12/43 with an extra futility look 7/27"),
  list(id = "three_stage_minimax_p01_p03", p0 = 0.1, p1 = 0.3, n = c(11, 19, 25), a = c(0, 2, 5), e = c(NA, NA, NA),
       source = "singlearm::des_gs(J = 3, pi0 = 0.1, pi1 = 0.3, alpha = 0.05, beta = 0.2, Nmin = 20, Nmax = 35, optimality = 'minimax')"),
  list(id = "three_stage_opt_p02_p04", p0 = 0.2, p1 = 0.4, n = c(8, 22, 38), a = c(1, 5, 11), e = c(NA, NA, NA),
       source = "singlearm::des_gs(J = 3, pi0 = 0.2, pi1 = 0.4, alpha = 0.05, beta = 0.2, Nmin = 35, Nmax = 45)"),
  list(id = "three_stage_futeff_opt_p01_p03", p0 = 0.1, p1 = 0.3, n = c(6, 16, 34), a = c(0, 2, 6), e = c(2, 4, NA),
       source = "singlearm::des_gs(J = 3, pi0 = 0.1, pi1 = 0.3, alpha = 0.05, beta = 0.2, Nmin = 25, Nmax = 35, efficacy = TRUE)"),
  # Three-stage with efficacy bounds
  list(id = "three_stage_eff_p01_p03", p0 = 0.1, p1 = 0.3, n = c(10, 20, 30), a = c(0, 2, 5), e = c(3, 5, NA),
       source = "constructed: three looks of 10, futility 0, 2, final 5/30, efficacy stop X1 > 3, X2 > 5"),
  list(id = "three_stage_eff_p02_p04", p0 = 0.2, p1 = 0.4, n = c(15, 30, 45), a = c(2, 8, 13), e = c(7, 11, NA),
       source = "constructed: futility 2/15, 8/30, final 13/45; efficacy stop X1 > 7, X2 > 11"),
  # Odd ones, K = 4 and edge conventions
  list(id = "four_stage_eff", p0 = 0.2, p1 = 0.4, n = c(8, 16, 24, 32), a = c(0, 3, 5, 9), e = c(4, 7, 9, NA),
       source = "constructed K = 4 with futility and efficacy at every interim"),
  list(id = "four_stage_mixed", p0 = 0.3, p1 = 0.5, n = c(5, 12, 20, 30), a = c(-1, 3, 6, 12), e = c(5, 8, 20, NA),
       source = "constructed K = 4: no futility at look 1 (a = -1), e_1 = n_1 (no efficacy stop), efficacy at look 2, e_3 = n_3"),
  list(id = "single_stage", p0 = 0.2, p1 = 0.4, n = c(25), a = c(7), e = c(NA),
       source = "constructed K = 1: go iff X > 7 of 25")
)

ps_extra <- c(0.05, 0.3, 0.5, 0.77, 0, 1)

enumerate <- function(d, p) {
  K <- length(d$n)
  m <- diff(c(0, d$n))
  grid <- as.matrix(expand.grid(lapply(m, function(mk) 0:mk)))
  prob <- rep(1, nrow(grid))
  for (k in seq_len(K)) prob <- prob * dbinom(grid[, k], m[k], p)
  X <- t(apply(grid, 1, cumsum))
  if (K == 1) X <- matrix(grid[, 1], ncol = 1)
  stop_look <- rep(NA_integer_, nrow(grid))
  go <- rep(NA, nrow(grid))
  for (k in seq_len(K)) {
    open <- is.na(stop_look)
    if (k < K) {
      fut <- open & X[, k] <= d$a[k]
      eff <- if (is.na(d$e[k])) rep(FALSE, nrow(grid)) else open & X[, k] > d$e[k]
      stopifnot(!any(fut & eff))
      stop_look[fut] <- k; go[fut] <- FALSE
      stop_look[eff] <- k; go[eff] <- TRUE
    } else {
      stop_look[open] <- K
      go[open] <- X[open, K] > d$a[K]
    }
  }
  list(prob = prob, stop_look = stop_look, go = go)
}

rows <- list()
add <- function(id, p, quantity, look, value) {
  rows[[length(rows) + 1]] <<- data.frame(design_id = id, p = p, quantity = quantity,
                                          look = look, value = value)
}
for (d in designs) {
  K <- length(d$n)
  stopifnot(all(diff(d$n) > 0), length(d$a) == K, length(d$e) == K)
  for (p in unique(c(d$p0, d$p1, ps_extra))) {
    r <- enumerate(d, p)
    total <- sum(r$prob)
    if (abs(total - 1) > 1e-13) stop("total probability ", total, " for ", d$id, " p ", p)
    N <- d$n[r$stop_look]
    add(d$id, p, "p_go", NA, sum(r$prob[r$go]))
    add(d$id, p, "p_nogo", NA, sum(r$prob[!r$go]))
    for (k in seq_len(K)) {
      add(d$id, p, "p_stop_futility", k, sum(r$prob[r$stop_look == k & !r$go]))
      add(d$id, p, "p_stop_efficacy", k, sum(r$prob[r$stop_look == k & r$go]))
      add(d$id, p, "p_n", k, sum(r$prob[r$stop_look == k]))
    }
    add(d$id, p, "p_early_stop", NA, sum(r$prob[r$stop_look < K]))
    en <- sum(r$prob * N)
    add(d$id, p, "en", NA, en)
    add(d$id, p, "sd_n", NA, sqrt(max(0, sum(r$prob * (N - en)^2))))
  }
}
oc <- do.call(rbind, rows)
oc$value <- sprintf("%.17g", oc$value)
write.csv(oc, "oc_base_r.csv", row.names = FALSE, quote = FALSE, na = "")

fmt <- function(x) paste(ifelse(is.na(x), "NA", as.character(x)), collapse = ";")
des <- do.call(rbind, lapply(designs, function(d) data.frame(
  design_id = d$id, p0 = d$p0, p1 = d$p1, sizes = fmt(d$n), futility = fmt(d$a),
  efficacy = fmt(d$e), source = d$source)))
write.csv(des, "oc_base_r_designs.csv", row.names = FALSE)

# short summary on screen: alpha = P(go | p0), power = P(go | p1), EN(p0), EN(p1)
pick <- function(id, p, q) as.numeric(oc$value[oc$design_id == id & oc$p == p & oc$quantity == q])
for (d in designs) cat(sprintf("%-26s alpha %.6f power %.6f EN(p0) %.4f EN(p1) %.4f PET(p0) %.4f\n",
  d$id, pick(d$id, d$p0, "p_go"), pick(d$id, d$p1, "p_go"), pick(d$id, d$p0, "en"),
  pick(d$id, d$p1, "en"), pick(d$id, d$p0, "p_early_stop")))
cat(R.version.string, "\n")
