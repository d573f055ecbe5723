# Reference for thera_stats.vas.summarize_vas: mean pain VAS by day with R's one-sample t interval.
# Run from this folder: Rscript vas_by_day.R   (R 4.2.2 Patched (2022-11-10 r83330), base R only)
# Calls: per day, x <- vas_mm (NA dropped); mean(x); sd(x); t.test(x, conf.level = 0.95)$conf.int
#        and t.test(x, conf.level = 0.90)$conf.int.
d <- read.csv("thera_like_vas.csv")
d <- d[!is.na(d$vas_mm), ]
rows <- lapply(sort(unique(d$day)), function(day) {
  x <- d$vas_mm[d$day == day]
  ci95 <- if (length(x) > 1) t.test(x, conf.level = 0.95)$conf.int else c(NA, NA)
  ci90 <- if (length(x) > 1) t.test(x, conf.level = 0.90)$conf.int else c(NA, NA)
  data.frame(day = day, n = length(x), mean = mean(x), sd = sd(x),
             ci_low_95 = ci95[1], ci_high_95 = ci95[2], ci_low_90 = ci90[1], ci_high_90 = ci90[2])
})
out <- do.call(rbind, rows)
con <- file("r_vas_by_day_thera_like.csv", "w")
writeLines(paste0("# ", R.version.string, "; Rscript vas_by_day.R; t.test(x, conf.level)$conf.int per day"), con)
write.csv(out, con, row.names = FALSE)
close(con)
