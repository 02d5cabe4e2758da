//! How many distinct values a flood brought, without keeping them: a
//! HyperLogLog sketch (Flajolet et al., 2007) of 1,024 one-byte registers,
//! about 3% standard error. Sketches merge register by register (the
//! maximum), so any order and batching of the same values, and any tree of
//! profile merges, gives the same sketch, as the profile's digest requires.

use sha2::{Digest, Sha256};

const BITS: u32 = 10;
const REGISTERS: usize = 1 << BITS;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinctSketch {
    registers: Vec<u8>,
}

impl Default for DistinctSketch {
    fn default() -> Self {
        DistinctSketch { registers: vec![0; REGISTERS] }
    }
}

impl DistinctSketch {
    pub fn insert(&mut self, value: &str) {
        let digest = Sha256::digest(value.as_bytes());
        let hash = u64::from_le_bytes(digest[..8].try_into().expect("eight bytes of a digest"));
        let index = (hash >> (64 - BITS)) as usize;
        // The rank of the first set bit of the rest (at most 64 - BITS + 1).
        let rest = hash << BITS;
        let rank = (rest.leading_zeros().min(64 - BITS) + 1) as u8;
        self.registers[index] = self.registers[index].max(rank);
    }

    pub fn merge(&mut self, other: &DistinctSketch) {
        for (mine, theirs) in self.registers.iter_mut().zip(&other.registers) {
            *mine = (*mine).max(*theirs);
        }
    }

    /// The estimated number of distinct values inserted.
    pub fn estimate(&self) -> u64 {
        let m = REGISTERS as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self.registers.iter().map(|r| 2f64.powi(-i32::from(*r))).sum();
        let raw = alpha * m * m / sum;
        let zeros = self.registers.iter().filter(|r| **r == 0).count();
        // Linear counting where the raw estimate is known to be biased (small ranges).
        let estimate = if raw <= 2.5 * m && zeros > 0 { m * (m / zeros as f64).ln() } else { raw };
        estimate.round() as u64
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.registers.clone()
    }

    /// `None` for bytes that are not a sketch of this size.
    pub fn from_bytes(bytes: &[u8]) -> Option<DistinctSketch> {
        (bytes.len() == REGISTERS && bytes.iter().all(|r| u32::from(*r) <= 64 - BITS + 1))
            .then(|| DistinctSketch { registers: bytes.to_vec() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_within_a_few_percent_and_merges_in_any_order() {
        for n in [1u64, 10, 1_000, 50_000, 200_000] {
            let mut sketch = DistinctSketch::default();
            for i in 0..n {
                sketch.insert(&format!("user{i}"));
                sketch.insert(&format!("user{i}"));
            }
            // Two of ten values may share a register: a one-value slack for tiny counts.
            let slack = (n / 10).max(1);
            assert!(sketch.estimate().abs_diff(n) <= slack, "{n} distinct estimated as {}", sketch.estimate());
        }
        let (mut a, mut b, mut whole) =
            (DistinctSketch::default(), DistinctSketch::default(), DistinctSketch::default());
        for i in 0..5000 {
            if i % 3 == 0 {
                a.insert(&i.to_string())
            } else {
                b.insert(&i.to_string())
            }
            whole.insert(&i.to_string());
        }
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, whole);
        assert_eq!(ba, whole);
        assert_eq!(DistinctSketch::from_bytes(&whole.to_bytes()), Some(whole));
        assert_eq!(DistinctSketch::from_bytes(&[0; 3]), None);
    }
}
