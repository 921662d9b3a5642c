//! The quantized pre-filter of the hub-and-spoke sweep: a cheap upper bound on cosine that lets
//! the sweep skip the exact f32 product for almost every pair that cannot reach the threshold.
//!
//! Each row `x` is normalized (`v = x / ‖x‖`) and its dimensions permuted so the ones carrying the
//! most energy over the whole data set come first. The first `k` ("prefix") coordinates are
//! quantized to `i8` with a per-row scale `s`: `v_P = s·q + e`. For two rows `h`, `x`:
//!
//! ```text
//! cos(h, x) = v_h,P · v_x,P + v_h,R · v_x,R
//!          ≤ s_h s_x (q_h · q_x) + ‖s_h q_h‖ ‖e_x‖ + ‖e_h‖ ‖v_x,P‖ + ‖v_h,R‖ ‖v_x,R‖
//! ```
//!
//! (Cauchy–Schwarz on the error and on the tail `R`). The `i8` dot product is a SIMD integer
//! kernel (`simsimd`, VNNI where the CPU has it) over `k` bytes instead of `d` floats. `k` is the
//! smallest multiple of 32 for which the mean tail energy is ≤ `threshold − 0.15`, so unrelated
//! pairs (cosine near 0) fail the bound. The bound is exact arithmetic, not a probability: no pair
//! at or above the threshold is ever skipped (a margin of 1e-4 covers f32 rounding).

use super::similarity::dot;
use simsimd::SpatialSimilarity;

/// Margin added to the bound against rounding in the normalization and the products.
const MARGIN: f64 = 1e-4;
/// Energy the tail may keep on average, below the threshold.
const TAIL_GAP: f64 = 0.15;

/// Added to the squared tail norm: covers f32 rounding in `total − prefix` (≤ 1e-6).
const TAIL_PAD: f32 = 4e-6;
/// Added to the squared quantization error norm, for the same reason.
const ERR_PAD: f32 = 1e-9;
/// Rows sampled to rank dimensions by energy.
const ENERGY_SAMPLE: usize = 4096;

/// `x · inv` as f32, computed in f64 (`inv` may be below the f32 range).
#[inline]
fn normalized(x: f32, inv: f64) -> f32 {
    #[allow(clippy::cast_possible_truncation)]
    let v = (f64::from(x) * inv) as f32;
    v
}

/// Adding and subtracting 1.5 · 2²³ rounds an f32 of magnitude < 2²² to the nearest integer
/// (ties to even) without a libm call, so the loop vectorizes.
const ROUNDER: f32 = 12_582_912.0;

/// Quantizes the prefix dimensions of `row · inv` into `slot` and returns its bound terms.
/// `scratch` is reused between rows (two buffers of `prefix.len()`).
fn quantize_row(
    row: &[f32],
    inv: f64,
    prefix: &[usize],
    full: bool,
    slot: &mut [i8],
    scratch: &mut Vec<f32>,
) -> RowBound {
    let k = prefix.len();
    scratch.clear();
    scratch.extend(prefix.iter().map(|&d| row.get(d).map_or(0.0, |&x| normalized(x, inv))));
    let max = scratch.chunks(8).fold(0.0_f32, |m, c| c.iter().fold(m, |m, x| m.max(x.abs())));
    let scale = max / 127.0;
    let to_code = if scale > 0.0 { 127.0 / max } else { 0.0 };
    scratch.resize(2 * k, 0.0);
    let (v, err) = scratch.split_at_mut(k);
    for ((c, &x), e) in slot.iter_mut().zip(v.iter()).zip(err.iter_mut()) {
        // |x · to_code| ≤ 127, so the rounded value fits an i8 exactly.
        let q = (x * to_code + ROUNDER) - ROUNDER;
        #[allow(clippy::cast_possible_truncation)]
        {
            *c = q as i8;
        }
        *e = x - q * scale;
    }
    let prefix_sq = dot(v, v).max(0.0);
    let err_sq = dot(err, err).max(0.0);
    #[allow(clippy::cast_possible_truncation)]
    let quant_sq = (i8::dot(slot, slot).unwrap_or(0.0) as f32) * scale * scale;
    // The tail's energy is the rest of the row's: ‖x‖² inv² − ‖v_P‖², padded against rounding.
    let tail_norm = if full {
        0.0
    } else {
        #[allow(clippy::cast_possible_truncation)]
        let total = (f64::from(dot(row, row)) * inv * inv) as f32;
        ((total - prefix_sq).max(0.0) + TAIL_PAD).sqrt()
    };
    RowBound {
        scale,
        quant_norm: quant_sq.sqrt(),
        err_norm: (err_sq + ERR_PAD).sqrt(),
        prefix_norm: prefix_sq.sqrt(),
        tail_norm,
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
    /// ‖v‖ over the prefix.
    pub prefix_norm: f32,
    /// ‖v‖ over the tail.
    pub tail_norm: f32,
}

/// The quantized prefixes of all rows, in sweep order.
pub(crate) struct Prefilter {
    /// Prefix length.
    pub k: usize,
    /// `n × k` quantized prefixes, row-major.
    pub codes: Vec<i8>,
    /// Per-row terms.
    pub bounds: Vec<RowBound>,
}

impl Prefilter {
    /// Builds the pre-filter for `rows` (taken in the order of `order`) with inverse norms `inv`.
    pub fn build(rows: &[&[f32]], inv: &[f64], order: &[usize], threshold: f32) -> Self {
        let dim = rows.first().map_or(0, |r| r.len());
        // Energy per dimension over (a sample of) the normalized rows, dimensions by energy desc.
        let step = (rows.len() / ENERGY_SAMPLE).max(1);
        let mut energy = vec![0.0_f64; dim];
        for (row, &s) in rows.iter().zip(inv).step_by(step) {
            for (e, &x) in energy.iter_mut().zip(row.iter()) {
                let v = f64::from(x) * s;
                *e += v * v;
            }
        }
        let mut dims: Vec<usize> = (0..dim).collect();
        dims.sort_by(|&a, &b| energy[b].total_cmp(&energy[a]).then(a.cmp(&b)));
        let total: f64 = energy.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let allowed_tail = (f64::from(threshold) - TAIL_GAP).max(0.0);
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
        let prefix = &dims[..k];
        let full = k == dim;
        let mut codes = vec![0_i8; order.len() * k];
        let mut bounds = vec![RowBound::default(); order.len()];
        let quantize = |scratch: &mut Vec<f32>, (slot, (bound, &r)): (&mut [i8], (&mut RowBound, &usize))| {
            *bound = quantize_row(rows[r], inv[r], prefix, full, slot, scratch);
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            codes
                .par_chunks_mut(k.max(1))
                .zip(bounds.par_iter_mut().zip(order.par_iter()))
                .with_min_len(256)
                .for_each_init(|| Vec::with_capacity(2 * k), quantize);
        }
        #[cfg(not(feature = "parallel"))]
        {
            let mut scratch = Vec::with_capacity(2 * k);
            codes
                .chunks_mut(k.max(1))
                .zip(bounds.iter_mut().zip(order))
                .for_each(|item| quantize(&mut scratch, item));
        }
        Self { k, codes, bounds }
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
            need: threshold - MARGIN,
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
        let slack = terms.quant_norm * f64::from(bound.err_norm)
            + terms.err_norm * f64::from(bound.prefix_norm)
            + terms.tail_norm * f64::from(bound.tail_norm);
        let ip = i8::dot(hub_code, code).unwrap_or(f64::INFINITY);
        terms.scale * f64::from(bound.scale) * ip + slack >= terms.need
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
