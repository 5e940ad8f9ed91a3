// KnownBad.swift — the rows expected to fail, each with the reason. A row on this list that
// fails is shown as "known bad" and does not fail the run; a row on it that passes is reported
// so that the list can be shortened; a failing row *not* on it makes the notebook exit 1.
//
// Keys are the rows' identifiers: "family | estimator | input | problem" (printed by
// `--list`). A row that starts passing is reported: remove it from the list then.

enum KnownBad {
    static let rows: [String: String] = [
        // Deliberate bad examples: they show what a miscalibrated error bar looks like.
        "core | IS self-normalized | i.i.d. from q = N(3, 1) | P(X > 3)":
            "deliberately poor proposal: Σw is ruled by draws too rare to appear in a run",
        "chains | i.i.d. formula s²/n on the chain | AR(1) ρ = 0.8, 1 chain of 1000 | E[x₁ + x₂²]":
            "deliberately wrong error bar: s²/n ignores the autocorrelation (τ ≈ 9)",
        "chains | i.i.d. formula s²/n on the chain | AR(1) ρ = 0.8, 4 chains of 250 | E[x₁ + x₂²]":
            "deliberately wrong error bar: s²/n ignores the autocorrelation (τ ≈ 9)",
        "chains | i.i.d. formula s²/n on the chain | AR(1) ρ = 0.8, Student-t₅ innovations, 4 × 250 | E[x₁ + x₂²]":
            "deliberately wrong error bar: s²/n ignores the autocorrelation (τ ≈ 9)",
        "chains | i.i.d. formula s²/n on the chain | MALA chains (4 × 250) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]":
            "deliberately wrong error bar: s²/n ignores the autocorrelation",

        // Stein rows, measured with the notebook's own replications (R = 1000 unless said):
        // small defects documented in the estimators' doc comments, not fixed.
        "Stein | sample mean | MALA chains (4 × 100) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]":
            "Geyer's initial monotone sequence (the default long-run variance) on chains of 100: right on average (reported/empirical 0.95) but too small where the sequence stops early — 74% coverage on the 11% of samples that summed fewer than 8 lags, 98% on the 22% with 20 or more; a Student-t with the window's n/(2L + 1) degrees of freedom gives only 93.0% (documented in SampleMean; 93.8% on 4 × 250 in the chains rows)",
        "Stein | auto | MALA chains (4 × 100) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]":
            "bias of choosing among candidates on the same draws: auto takes the semi-exact CF on 179 of 1000 samples, where its error averages −0.87 SE (−0.03 SE over all samples), so auto's mean error is −0.15 SE (t = −7.7: the bias check fails) while coverage is 95.2% at 2.45× the empirical variance; documented in AutomaticControlVariates (selection within each training fold would remove it)",

        // KSG's bias (declared, not corrected) on heavy-tailed 2 + 2 data: the rescaled
        // jackknife SE itself is calibrated here (reported/empirical variance ≈ 0.9).
        "MI | KSG-1, k = 3 (jackknife SE) | i.i.d. Student-t ν = 5 (2 + 2), ρ = 0.6 | I":
            "KSG's bias is a sizeable fraction of an SE on this input (the bias check fails; the variance check passes)",
        "MI | KSG-2, k = 3 (jackknife SE) | i.i.d. Student-t ν = 5 (2 + 2), ρ = 0.6 | I":
            "KSG's bias is a sizeable fraction of an SE on this input (the bias check fails; the variance check passes)",

        // The other k-NN estimators' bias (documented, O((k/N)^{2/d}), not in the error bar) on
        // their test suites' inputs: their variances are calibrated (reported/empirical 1.01–1.12),
        // but the bias is a sizeable fraction of an SE, and where it nears one SE it takes the
        // coverage of the normal interval down with it (a shift of 0.9 SE leaves about 85%).
        "MI | mixed (Gao et al.), k = 5 (jackknife SE) | half discrete, half continuous (α = 0.9) | I":
            "the estimator's bias (documented: −0.022 nats measured at N = 1000 in its tests, boundary effects of the uniform part) is about 0.9 SE here: the bias check fails and coverage falls to 87% with it; the variance check passes",
        "MI | KL divergence (Wang–Kulkarni–Verdú), k = 3 | i.i.d. N(0, I₂) vs N(½, 1.5² I₂), N = M = 1000 | KL(p ‖ q)":
            "the k-NN bias (documented, not corrected) is about +0.3 SE at N = M = 1000 in d = 2: the bias check fails; coverage and the variance check pass",
        "MI | entropy (Kozachenko–Leonenko), k = 3 | i.i.d. N(0, I₃) | H":
            "the k-NN bias (documented: about −0.03 nats in d = 3) is about 0.8 SE at N = 1000: the bias check fails and coverage falls just below its region (88%) with it; the variance check passes",

        // Score-matrix bounds at I = 10 nats: the partition term is ruled by a few pairs
        // (e^{2I} − 1 ≈ 5·10⁸ is the variance of the density ratio).
        "MI | NWJ at T + 1 | i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic | I = 10 nats":
            "a limitation of the bound, not of its variance: the variance is right but the estimate is far from normal at 10 nats (a few pairs rule the partition term), so the normal interval under-covers (mcest mi falls back to InfoNCE there)",
        "MI | JS, NWJ at S + 1 | i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic | I = 10 nats":
            "a limitation of the bound, not of its variance: the variance is right but the estimate is far from normal at 10 nats (a few pairs rule the partition term), so the normal interval under-covers (mcest mi falls back to InfoNCE there)",

        // Flaws too small for the default R = 250 to see, which the full run (R = 1000) shows:
        // the plain batch-means, overlapping-batch-means and Bartlett long-run variances on short
        // chains (a documented bias), and three MI rows.
        "chains | LongRunVariance: batch means, b = √n | AR(1) ρ = 0.8, 4 chains of 250 | E[x₁ + x₂²]":
            "the plain estimator's documented bias −Γ/b (Γ = 2Σₖ k γₖ; see `LongRunVarianceMethod`) on chains of 250: reported/empirical 0.789, coverage 91.8% at R = 1000; its lugsail form and Geyer's sequences (`auto`, the default) pass on the same chains",
        "chains | LongRunVariance: overlapping batch means | AR(1) ρ = 0.8, 4 chains of 250 | E[x₁ + x₂²]":
            "the plain estimator's documented bias −Γ/b (Γ = 2Σₖ k γₖ; see `LongRunVarianceMethod`) on chains of 250: reported/empirical 0.791, coverage 91.4% at R = 1000; its lugsail form and Geyer's sequences (`auto`, the default) pass on the same chains",
        "chains | LongRunVariance: spectral, Bartlett | AR(1) ρ = 0.8, 4 chains of 250 | E[x₁ + x₂²]":
            "the plain estimator's documented bias −Γ/b (Γ = 2Σₖ k γₖ; see `LongRunVarianceMethod`) on chains of 250: reported/empirical 0.772, coverage 90.9% at R = 1000; its lugsail form and Geyer's sequences (`auto`, the default) pass on the same chains",
        "chains | LongRunVariance: batch means, b = √n | AR(1) ρ = 0.8, Student-t₅ innovations, 4 × 250 | E[x₁ + x₂²]":
            "the plain estimator's documented bias −Γ/b (Γ = 2Σₖ k γₖ; see `LongRunVarianceMethod`) on chains of 250: reported/empirical 0.840, coverage 92.2% at R = 1000; its lugsail form and Geyer's sequences (`auto`, the default) pass on the same chains",
        "chains | LongRunVariance: overlapping batch means | AR(1) ρ = 0.8, Student-t₅ innovations, 4 × 250 | E[x₁ + x₂²]":
            "the plain estimator's documented bias −Γ/b (Γ = 2Σₖ k γₖ; see `LongRunVarianceMethod`) on chains of 250: reported/empirical 0.805, coverage 92.3% at R = 1000; its lugsail form and Geyer's sequences (`auto`, the default) pass on the same chains",
        "chains | LongRunVariance: spectral, Bartlett | AR(1) ρ = 0.8, Student-t₅ innovations, 4 × 250 | E[x₁ + x₂²]":
            "the plain estimator's documented bias −Γ/b (Γ = 2Σₖ k γₖ; see `LongRunVarianceMethod`) on chains of 250: reported/empirical 0.774, coverage 92.3% at R = 1000; its lugsail form and Geyer's sequences (`auto`, the default) pass on the same chains",
        "chains | LongRunVariance: batch means, b = √n | MALA chains (4 × 250) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]":
            "the plain estimator's documented bias −Γ/b (Γ = 2Σₖ k γₖ; see `LongRunVarianceMethod`) on chains of 250: reported/empirical 0.758, coverage 90.8% at R = 1000; its lugsail form and Geyer's sequences (`auto`, the default) pass on the same chains",
        "chains | LongRunVariance: overlapping batch means | MALA chains (4 × 250) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]":
            "the plain estimator's documented bias −Γ/b (Γ = 2Σₖ k γₖ; see `LongRunVarianceMethod`) on chains of 250: reported/empirical 0.765, coverage 91.1% at R = 1000; its lugsail form and Geyer's sequences (`auto`, the default) pass on the same chains",
        "chains | LongRunVariance: spectral, Bartlett | MALA chains (4 × 250) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]":
            "the plain estimator's documented bias −Γ/b (Γ = 2Σₖ k γₖ; see `LongRunVarianceMethod`) on chains of 250: reported/empirical 0.746, coverage 90.7% at R = 1000; its lugsail form and Geyer's sequences (`auto`, the default) pass on the same chains",
        "MI | KSG-2, k = 3 (jackknife SE) | i.i.d. Gaussian (2 + 2), ρ = 0.6 | I":
            "KSG's bias (declared, not corrected) is +0.12 SE at N = 2000 in 2 + 2 dimensions: the t-test of the mean error sees it at R = 1000; coverage (95.4%) and the variance check (1.05) pass",
        "MI | KSG-1, k = 3 (fixed-radius jackknife SE) | i.i.d. Student-t ν = 5 (1 + 1), ρ = 0.6 | I":
            "KSG's bias (declared, not corrected) is −0.12 SE at N = 10⁴ on Student-t 1 + 1 data: the t-test of the mean error sees it at R = 1000; coverage (94.6%) and the variance check (1.09) pass",
        "MI | Gaussian plug-in | i.i.d. Student-t ν = 3 (2 + 2), ρ = 0.6 | Gaussian proxy of I (its estimand)":
            "at ν = 3 the fourth moments the sandwich variance estimates are infinite, so the plug-in is not √N-normal and no moment-based variance can be right: reported/empirical 0.59, coverage 91.8% at R = 1000; the estimator warns (influence-function tail index k̂ ≥ 0.5) in 87% of runs; at ν = 5 the row passes",
        "MI | NWJ at T + 1 | i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic | I = 6 nats":
            "the same limitation as at 10 nats, milder: the variance is right (reported/empirical 1.04) but the estimate is skewed (a few pairs carry the partition term), so the normal interval covers 91.7% at R = 1000",
        "MI | JS, NWJ at S + 1 | i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic | I = 6 nats":
            "the same limitation as at 10 nats, milder: the variance is right (reported/empirical 1.04) but the estimate is skewed (a few pairs carry the partition term), so the normal interval covers 91.7% at R = 1000",
        "MI | DV (MINE) | i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic | I = 10 nats":
            "the variance's nonlinearity correction (half the jackknife's excess, a first-order device) over-counts when a few pairs carry Ẑ: reported/empirical 1.20 at R = 1000, at the χ² region's upper end (documented: conservative by up to 1.45× at I ≥ 8 in low dimensions); conservative, not too narrow",
        "MI | JS, DV at S | i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic | I = 10 nats":
            "the variance's nonlinearity correction (half the jackknife's excess, a first-order device) over-counts when a few pairs carry Ẑ: reported/empirical 1.20 at R = 1000, at the χ² region's upper end (documented: conservative by up to 1.45× at I ≥ 8 in low dimensions); conservative, not too narrow",
    ]

    /// The replications of the full run (`MONTECARLO_CALIBRATION=full`).
    static let fullScaleReplications = 1000

    /// Known-bad rows whose flaw only the full run has the power to see: at a smaller R their pass
    /// is expected and is not reported as a reason to shorten the list.
    static let fullScaleOnly: Set<String> = [
        "Stein | sample mean | MALA chains (4 × 100) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]",
        "Stein | auto | MALA chains (4 × 100) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]",
        "chains | LongRunVariance: batch means, b = √n | AR(1) ρ = 0.8, 4 chains of 250 | E[x₁ + x₂²]",
        "chains | LongRunVariance: overlapping batch means | AR(1) ρ = 0.8, 4 chains of 250 | E[x₁ + x₂²]",
        "chains | LongRunVariance: spectral, Bartlett | AR(1) ρ = 0.8, 4 chains of 250 | E[x₁ + x₂²]",
        "chains | LongRunVariance: batch means, b = √n | AR(1) ρ = 0.8, Student-t₅ innovations, 4 × 250 | E[x₁ + x₂²]",
        "chains | LongRunVariance: overlapping batch means | AR(1) ρ = 0.8, Student-t₅ innovations, 4 × 250 | E[x₁ + x₂²]",
        "chains | LongRunVariance: spectral, Bartlett | AR(1) ρ = 0.8, Student-t₅ innovations, 4 × 250 | E[x₁ + x₂²]",
        "chains | LongRunVariance: batch means, b = √n | MALA chains (4 × 250) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]",
        "chains | LongRunVariance: overlapping batch means | MALA chains (4 × 250) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]",
        "chains | LongRunVariance: spectral, Bartlett | MALA chains (4 × 250) | E[cos(x₁ + x₂) + sin x₂ + cos x₁]",
        "MI | KSG-2, k = 3 (jackknife SE) | i.i.d. Gaussian (2 + 2), ρ = 0.6 | I",
        "MI | KSG-1, k = 3 (fixed-radius jackknife SE) | i.i.d. Student-t ν = 5 (1 + 1), ρ = 0.6 | I",
        "MI | Gaussian plug-in | i.i.d. Student-t ν = 3 (2 + 2), ρ = 0.6 | Gaussian proxy of I (its estimand)",
        "MI | NWJ at T + 1 | i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic | I = 6 nats",
        "MI | JS, NWJ at S + 1 | i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic | I = 6 nats",
        "MI | DV (MINE) | i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic | I = 10 nats",
        "MI | JS, DV at S | i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic | I = 10 nats",
    ]
}
