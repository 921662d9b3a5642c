//! The quantized pre-filter of the hub-and-spoke sweep: a cheap upper bound on cosine that lets
//! the sweep skip the exact f32 product for almost every pair that cannot reach the threshold.
//!
//! Each row `x` is normalized (`v = x / ‖x‖`) and **centred**: `w = v − m`, with `m` the mean of
//! the normalized rows (over a sample). Then `cos(h, x) = w_h · w_x + o_h + o_x + ‖m‖²` with the
//! per-row offset `o = m · w` (computed in f64). Real sentence embeddings of one niche share a
//! large common component (median pair cosine ~0.55): on `v` every pair looks close and no bound
//! can rule a pair out, on `w` unrelated pairs sit near 0 again. On isotropic data `m ≈ 0` and
//! this is the plain bound.
//!
//! The dimensions of `w` are permuted so the ones carrying the most energy come first. The first
//! `k` ("prefix") coordinates are quantized to integers `|q| ≤ Q` with a per-row scale `s`:
//! `w_P = s·q + e`. For two rows `h`, `x`:
//!
//! ```text
//! w_h · w_x = w_h,P · w_x,P + w_h,R · w_x,R
//!          ≤ s_h s_x (q_h · q_x) + ‖s_h q_h‖ ‖e_x‖ + ‖e_h‖ ‖w_x,P‖ + ‖w_h,R‖ ‖w_x,R‖
//! ```
//!
//! (Cauchy–Schwarz on the error and on the tail `R`), and a pair is scanned exactly only when
//! that bound reaches `threshold − ‖m‖² − o_h − o_x` (minus a margin). `q_h · q_x` is an exact
//! integer; the sweep gets it from a blocked kernel ([`super::kernel`]) that multiplies tiles of
//! codes as f32 — exact, because `Q = min(127, ⌊√((2²⁴−1)/k)⌋)` keeps every partial sum an
//! integer below 2²⁴. `k` is the smallest multiple of 32 for which the mean tail energy is at most
//! `t' − 0.15` of the mean energy of `w`, where `t'` is the threshold in centred terms, so
//! unrelated pairs fail the bound. The bound is exact arithmetic, not a probability: no pair at or
//! above the threshold is ever skipped (a margin of 1e-4 covers f32 rounding).

use simsimd::SpatialSimilarity;

/// Margin subtracted from the threshold against rounding in the normalization and the products.
const MARGIN: f64 = 1e-4;
/// Energy the tail may keep on average, below the (centred, relative) threshold. A smaller gap
/// (a shorter prefix, 3/√d was tried) lets more unrelated pairs through to the exact product,
/// whose rows come from memory at random: measured slower on every set.
const TAIL_GAP: f64 = 0.15;
/// Added to the squared tail norm against rounding (the tail energy is summed in f64).
const TAIL_PAD: f64 = 1e-7;
/// Added to the squared quantization error norm, for the same reason.
const ERR_PAD: f32 = 1e-9;
/// Rows sampled to estimate the mean direction and rank dimensions by energy.
const ENERGY_SAMPLE: usize = 4096;
/// Largest partial sum the f32 kernel keeps exact: 2²⁴ − 1.
const EXACT_F32: f64 = 16_777_215.0;

/// `x · inv − m` as f32, computed in f64 (`inv` may be below the f32 range).
#[inline]
fn centred(x: f32, inv: f64, m: f32) -> f32 {
    #[allow(clippy::cast_possible_truncation)]
    let v = (f64::from(x) * inv) as f32;
    v - m
}

/// Adding and subtracting 1.5 · 2²³ rounds an f32 of magnitude < 2²² to the nearest integer
/// (ties to even) without a libm call, so the loop vectorizes.
const ROUNDER: f32 = 12_582_912.0;

/// What quantizing a row needs besides the row.
struct Quantizer<'a> {
    /// Dimensions in prefix-first order: `dims[..k]` is the prefix.
    dims: &'a [usize],
    k: usize,
    /// The mean direction, per original dimension.
    mean: &'a [f32],
    /// Largest code magnitude.
    q_max: f32,
}

/// Four independent f64 partial sums of `f(a_i, b_i)`: the loop vectorizes (one accumulator
/// would serialize on the add latency).
#[inline(always)]
fn sum4(a: &[f32], b: &[f32], f: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = [0.0_f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 =
        ca.remainder().iter().zip(cb.remainder()).map(|(&x, &y)| f(f64::from(x), f64::from(y))).sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += f(f64::from(x[l]), f64::from(y[l]));
        }
    }
    acc[0] + acc[1] + acc[2] + acc[3] + tail
}

/// One row for [`Quantizer::row`], run under `pulp`'s dispatch so the loops are compiled for the
/// CPU's vector units.
struct QuantizeRow<'q, 'a> {
    quantizer: &'q Quantizer<'a>,
    row: &'q [f32],
    inv: f64,
    slot: &'q mut [i8],
    scratch: &'q mut Vec<f32>,
}

impl pulp::WithSimd for QuantizeRow<'_, '_> {
    type Output = RowBound;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> RowBound {
        let Self { quantizer: qz, row, inv, slot, scratch } = self;
        let (dim, k) = (qz.dims.len(), qz.k);
        // w = row · inv − m in the original order, then the prefix gathered after it.
        scratch.clear();
        scratch.extend(row.iter().zip(qz.mean).map(|(&x, &m)| centred(x, inv, m)));
        scratch.resize(dim, 0.0);
        let total_sq = sum4(scratch, scratch, |a, b| a * b);
        // Offset o = m · w, in f64.
        let offset = sum4(qz.mean, scratch, |a, b| a * b);
        for &d in &qz.dims[..k] {
            let x = scratch[d];
            scratch.push(x);
        }
        let v = &scratch[dim..];
        let max = v.iter().fold(0.0_f32, |m, x| m.max(x.abs()));
        let scale = max / qz.q_max;
        let to_code = if max > 0.0 { qz.q_max / max } else { 0.0 };
        let mut qs = [0.0_f32; 64];
        let (mut prefix_sq, mut err_sq, mut quant_sq) = (0.0, 0.0, 0.0);
        for (codes, xs) in slot.chunks_mut(64).zip(v.chunks(64)) {
            let qs = &mut qs[..xs.len()];
            for ((c, q), &x) in codes.iter_mut().zip(qs.iter_mut()).zip(xs) {
                // |x · to_code| ≤ q_max ≤ 127, so the rounded value fits an i8 exactly.
                *q = ((x * to_code).clamp(-qz.q_max, qz.q_max) + ROUNDER) - ROUNDER;
                #[allow(clippy::cast_possible_truncation)]
                {
                    *c = *q as i8;
                }
            }
            let sc = f64::from(scale);
            prefix_sq += sum4(xs, xs, |a, b| a * b);
            err_sq += sum4(xs, qs, |x, q| (x - q * sc) * (x - q * sc));
            quant_sq += sum4(qs, qs, |a, b| a * b);
        }
        // The tail's energy: total − prefix, both summed in f64 (error ~1e-16, far below the pad).
        let tail_sq = (total_sq - prefix_sq).max(0.0);
        #[allow(clippy::cast_possible_truncation)]
        RowBound {
            scale,
            quant_norm: (quant_sq.sqrt() * f64::from(scale)) as f32 * (1.0 + 1e-6),
            err_norm: ((err_sq as f32) + ERR_PAD).sqrt() * (1.0 + 1e-6),
            prefix_norm: prefix_sq.sqrt() as f32 * (1.0 + 1e-6),
            tail_norm: if k == dim { 0.0 } else { (tail_sq + TAIL_PAD).sqrt() as f32 * (1.0 + 1e-6) },
            offset: offset as f32,
        }
    }
}

impl Quantizer<'_> {
    /// Quantizes the prefix of the centred `row · inv` into `slot` and returns its bound terms.
    /// `scratch` is reused between rows.
    fn row(&self, row: &[f32], inv: f64, slot: &mut [i8], scratch: &mut Vec<f32>) -> RowBound {
        pulp::Arch::new().dispatch(QuantizeRow { quantizer: self, row, inv, slot, scratch })
    }
}

/// Per-row bound terms.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RowBound {
    /// Quantization scale.
    pub scale: f32,
    /// ‖s·q‖ over the prefix.
    pub quant_norm: f32,
    /// ‖e‖ over the prefix.
    pub err_norm: f32,
    /// ‖w‖ over the prefix.
    pub prefix_norm: f32,
    /// ‖w‖ over the tail.
    pub tail_norm: f32,
    /// `m · w`: this row's share of the common component.
    pub offset: f32,
}

/// The quantized prefixes of all rows, in sweep order.
pub(crate) struct Prefilter {
    /// Prefix length.
    pub k: usize,
    /// `n × k` quantized prefixes, row-major.
    pub codes: Vec<i8>,
    /// Per-row terms.
    pub bounds: Vec<RowBound>,
    /// `‖m‖²`, the squared norm of the mean direction removed from every row.
    mean_sq: f64,
}

/// The mean of the normalized rows over a sample, and each dimension's energy after removing it.
fn mean_and_energy(rows: &[&[f32]], inv: &[f64], dim: usize) -> (Vec<f32>, Vec<f64>) {
    let step = (rows.len() / ENERGY_SAMPLE).max(1);
    let mut sum = vec![0.0_f64; dim];
    let mut sq = vec![0.0_f64; dim];
    let mut count = 0_u32;
    for (row, &s) in rows.iter().zip(inv).step_by(step) {
        for ((a, b), &x) in sum.iter_mut().zip(sq.iter_mut()).zip(row.iter()) {
            let v = f64::from(x) * s;
            *a += v;
            *b += v * v;
        }
        count += 1;
    }
    let c = f64::from(count.max(1));
    #[allow(clippy::cast_possible_truncation)]
    let mean: Vec<f32> = sum.iter().map(|&a| (a / c) as f32).collect();
    // E[(v − m)²] = E[v²] − m² per dimension.
    let energy = sq.iter().zip(&sum).map(|(&b, &a)| (b / c - (a / c) * (a / c)).max(0.0)).collect();
    (mean, energy)
}

impl Prefilter {
    /// Builds the pre-filter for `rows` (taken in the order of `order`) with inverse norms `inv`.
    pub fn build(rows: &[&[f32]], inv: &[f64], order: &[usize], threshold: f32) -> Self {
        let dim = rows.first().map_or(0, |r| r.len());
        let (mean, energy) = mean_and_energy(rows, inv, dim);
        let mean_sq: f64 = mean.iter().map(|&m| f64::from(m) * f64::from(m)).sum();
        let mut dims: Vec<usize> = (0..dim).collect();
        dims.sort_by(|&a, &b| energy[b].total_cmp(&energy[a]).then(a.cmp(&b)));
        let total: f64 = energy.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        // The threshold in centred terms, relative to the mean energy of w: E‖w‖² = 1 − ‖m‖²
        // and E[o] = 0, so a typical pair needs w_h · w_x ≥ t − ‖m‖², i.e. a fraction
        // (t − ‖m‖²) / (1 − ‖m‖²) of ‖w_h‖‖w_x‖.
        let relative = (f64::from(threshold) - mean_sq) / (1.0 - mean_sq).max(1e-9);
        let allowed_tail = (relative - TAIL_GAP).max(0.0);
        // Smallest k whose tail (dims[k..]) keeps at most `allowed_tail` of the energy.
        let mut k = dim;
        let mut tail = 0.0;
        for cut in (0..dim).rev() {
            if (tail + energy[dims[cut]]) / total > allowed_tail {
                break;
            }
            tail += energy[dims[cut]];
            k = cut;
        }
        let k = k.div_ceil(32).saturating_mul(32).clamp(dim.min(32), dim);
        // Largest code with k · Q² < 2²⁴: the f32 kernel's sums of code products stay exact.
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let q_max = (EXACT_F32 / k.max(1) as f64).sqrt().floor().min(127.0) as f32;
        let quantizer = Quantizer { dims: &dims, k, mean: &mean, q_max };
        let mut codes = vec![0_i8; order.len() * k];
        let mut bounds = vec![RowBound::default(); order.len()];
        let quantize = |scratch: &mut Vec<f32>, (slot, (bound, &r)): (&mut [i8], (&mut RowBound, &usize))| {
            *bound = quantizer.row(rows[r], inv[r], slot, scratch);
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            codes
                .par_chunks_mut(k.max(1))
                .zip(bounds.par_iter_mut().zip(order.par_iter()))
                .with_min_len(256)
                .for_each_init(|| Vec::with_capacity(dim), quantize);
        }
        #[cfg(not(feature = "parallel"))]
        {
            let mut scratch = Vec::with_capacity(dim);
            codes
                .chunks_mut(k.max(1))
                .zip(bounds.iter_mut().zip(order))
                .for_each(|item| quantize(&mut scratch, item));
        }
        Self { k, codes, bounds, mean_sq }
    }

    /// The quantized prefix of sweep position `p`.
    #[inline]
    pub fn code(&self, p: usize) -> &[i8] {
        self.codes.get(p * self.k..(p + 1) * self.k).unwrap_or(&[])
    }

    /// The bound terms that depend on the hub only, for [`Self::may_reach`].
    #[inline]
    pub fn hub_terms(&self, h: usize, threshold: f64) -> HubTerms {
        let b = self.bounds.get(h).copied().unwrap_or_default();
        HubTerms {
            need: threshold - MARGIN - self.mean_sq - f64::from(b.offset),
            scale: f64::from(b.scale),
            quant_norm: f64::from(b.quant_norm),
            err_norm: f64::from(b.err_norm),
            tail_norm: f64::from(b.tail_norm),
        }
    }

    /// The bound terms of the row at sweep position `x`.
    #[inline]
    pub fn row(&self, x: usize) -> (&[i8], RowBound) {
        (self.code(x), self.bounds.get(x).copied().unwrap_or_default())
    }

    /// Whether the pair (hub with `terms` and code `hub_code`, row with `code` and `bound`) may
    /// reach the threshold.
    #[inline]
    pub fn may_reach(terms: &HubTerms, hub_code: &[i8], code: &[i8], bound: &RowBound) -> bool {
        Self::may_reach_ip(terms, i8::dot(hub_code, code).unwrap_or(f64::INFINITY), bound)
    }

    /// [`Self::may_reach`] given the codes' inner product `ip` (an exact integer).
    #[inline]
    pub fn may_reach_ip(terms: &HubTerms, ip: f64, bound: &RowBound) -> bool {
        let slack = terms.quant_norm * f64::from(bound.err_norm)
            + terms.err_norm * f64::from(bound.prefix_norm)
            + terms.tail_norm * f64::from(bound.tail_norm);
        terms.scale * f64::from(bound.scale) * ip + slack >= terms.need - f64::from(bound.offset)
    }
}

impl HubTerms {
    /// The terms in f32 for the vectorized test, the need lowered by 1e-6 (f32 rounding of the
    /// five products is below 1e-6; the 1e-4 margin is already in `need`).
    #[allow(clippy::cast_possible_truncation)]
    pub fn to_f32(self) -> super::kernel::HubBound {
        super::kernel::HubBound {
            scale: self.scale as f32,
            quant: self.quant_norm as f32,
            err: self.err_norm as f32,
            tail: self.tail_norm as f32,
            need: (self.need - 1e-6) as f32,
        }
    }
}

/// Hub-only terms of the bound.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HubTerms {
    need: f64,
    scale: f64,
    quant_norm: f64,
    err_norm: f64,
    tail_norm: f64,
}
