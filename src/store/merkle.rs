//! The Merkle tree over the access log, as RFC 6962 §2.1 and C2SP tlog
//! define it: a leaf hashes as SHA-256(0x00 || leaf), an inner node as
//! SHA-256(0x01 || left || right), and the tree of n leaves splits at the
//! largest power of two below n. Its root, signed in a checkpoint, commits
//! to the first n rows; a consistency proof shows that the tree of n leaves
//! extends the tree of m without sending a row, which is what a witness
//! checks.
//!
//! A leaf is one access-log row's chain value (the 32 bytes of its
//! `hash`, [`super::chain`]). That value already covers the row's every
//! field and the row before it, under the log's key, so the tree commits to
//! the rows' content and order, and an edited row chained again (the
//! chain's values all change) gives another root.
//!
//! Written here rather than taken from a crate: the crates that implement
//! it (tlog_tiles, signed_note) are young and bring tiles, HTTP and key
//! formats the service does not use; the tree is these few functions and is
//! checked against RFC 6962's own algorithm in the property tests below.

use sha2::{Digest, Sha256};

/// A node's hash.
pub type Hash = [u8; 32];

/// The hash of a leaf.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// The hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The leaf hash of an access-log row from its chain value (hex), or
/// `None` if the value is not 32 bytes of hex.
pub fn row_leaf(chain_value: &str) -> Option<Hash> {
    let bytes = hex::decode(chain_value).ok()?;
    let bytes: [u8; 32] = bytes.try_into().ok()?;
    Some(leaf_hash(&bytes))
}

/// Builds the root leaf by leaf, keeping only the roots of the perfect
/// subtrees (one per bit of the size): millions of rows in constant memory.
#[derive(Debug, Clone, Default)]
pub struct TreeBuilder {
    /// (height, hash), heights strictly decreasing.
    stack: Vec<(u32, Hash)>,
    size: u64,
}

impl TreeBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next leaf by its leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(height, left)) = self.stack.last() {
            if height != node.0 {
                break;
            }
            self.stack.pop();
            node = (height + 1, node_hash(&left, &node.1));
        }
        self.stack.push(node);
        self.size += 1;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut nodes = self.stack.iter().rev();
        let Some(&(_, mut root)) = nodes.next() else {
            return empty_root();
        };
        for (_, left) in nodes {
            root = node_hash(left, &root);
        }
        root
    }
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The root of a tree of leaf hashes (RFC 6962 MTH).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The consistency proof from the tree of the first `m` leaves to the tree
/// of all of them (RFC 6962 §2.1.2 PROOF(m, D[n])); empty when m is 0 or n.
pub fn consistency_proof(leaves: &[Hash], m: usize) -> Vec<Hash> {
    let mut proof = Vec::new();
    if m > 0 && m < leaves.len() {
        subproof(m, leaves, true, &mut proof);
    }
    proof
}

fn subproof(m: usize, leaves: &[Hash], whole: bool, proof: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !whole {
            proof.push(root(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], whole, proof);
        proof.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, proof);
        proof.push(root(&leaves[..k]));
    }
}

/// Whether `proof` shows that the tree of size `n` with `new_root` extends
/// the tree of size `m` with `old_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    m: u64,
    n: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if m > n {
        return false;
    }
    if m == n {
        return proof.is_empty() && old_root == new_root;
    }
    if m == 0 {
        // Every tree extends the empty one; nothing to prove.
        return proof.is_empty();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path = proof.iter();
    // If m is a power of two, the old root is the proof's implicit first node.
    let first = if m.is_power_of_two() {
        *old_root
    } else {
        match path.next() {
            Some(node) => *node,
            None => return false,
        }
    };
    let (mut fn_, mut sn) = (m - 1, n - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (first, first);
    for c in path {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && fr == *old_root && sr == *new_root
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize, salt: u8) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&[&(i as u64).to_be_bytes()[..], &[salt]].concat()))
            .collect()
    }

    fn hex32(text: &str) -> Hash {
        hex::decode(text).unwrap().try_into().unwrap()
    }

    /// The roots of RFC 6962's test tree (the leaves of Certificate
    /// Transparency's reference tests), as the C2SP and Go tlog test
    /// vectors give them.
    #[test]
    fn roots_match_the_reference_vectors() {
        let data: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        let hashes: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        assert_eq!(
            empty_root(),
            hex32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(
            root(&hashes[..1]),
            hex32("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        );
        assert_eq!(
            root(&hashes[..2]),
            hex32("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")
        );
        assert_eq!(
            root(&hashes[..3]),
            hex32("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77")
        );
        assert_eq!(
            root(&hashes[..8]),
            hex32("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
        );
    }

    #[test]
    fn a_row_leaf_needs_a_32_byte_chain_value() {
        assert!(row_leaf(&"ab".repeat(32)).is_some());
        assert!(row_leaf("abcd").is_none());
        assert!(row_leaf(&"zz".repeat(32)).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The streaming root equals RFC 6962's recursive definition at
        /// every size on the way.
        #[test]
        fn the_builder_agrees_with_the_definition(n in 0usize..300) {
            let l = leaves(n, 0);
            let mut b = TreeBuilder::new();
            prop_assert_eq!(b.root(), root(&[]));
            for (i, leaf) in l.iter().enumerate() {
                b.push(*leaf);
                prop_assert_eq!(b.root(), root(&l[..=i]));
            }
            prop_assert_eq!(b.size(), n as u64);
        }

        /// For any m ≤ n the proof verifies; a changed leaf, a log cut
        /// below m, or a changed proof node does not.
        #[test]
        fn consistency_proofs_verify_and_catch_changes(
            (n, m) in (1usize..260).prop_flat_map(|n| (Just(n), 0..=n)),
            at in any::<prop::sample::Index>(),
        ) {
            let l = leaves(n, 0);
            let (old, new) = (root(&l[..m]), root(&l));
            let proof = consistency_proof(&l, m);
            prop_assert!(verify_consistency(m as u64, n as u64, &old, &new, &proof));

            if m > 0 {
                // A rewritten leaf among the first m: the new tree no
                // longer extends the old root.
                let mut changed = l.clone();
                let i = at.index(m);
                changed[i] = leaf_hash(b"rewritten");
                let forged_new = root(&changed);
                let forged_proof = consistency_proof(&changed, m);
                prop_assert!(!verify_consistency(
                    m as u64, n as u64, &old, &forged_new, &forged_proof
                ));
                // The tree's own root no longer matches the checkpoint's.
                prop_assert_ne!(root(&changed[..m]), old);
            }
            if m > 1 {
                // A log cut below the old size cannot extend it.
                let cut = &l[..m - 1];
                prop_assert!(!verify_consistency(
                    m as u64, (m - 1) as u64, &old, &root(cut), &[]
                ));
                prop_assert_ne!(root(cut), old);
            }
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let i = at.index(bad.len());
                bad[i][0] ^= 1;
                prop_assert!(!verify_consistency(m as u64, n as u64, &old, &new, &bad));
                // Nor does it pass for another old root.
                prop_assert!(!verify_consistency(
                    m as u64, n as u64, &leaf_hash(b"other"), &new, &proof
                ));
            }
        }
    }
}
