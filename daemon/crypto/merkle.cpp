#include "crypto/merkle.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <stdexcept>
#include <string>

namespace kinvault::crypto {

namespace {

// Levels 1..3 are recomputed from the leaves when needed (see the class comment in merkle.h).
constexpr unsigned k_first_stored_level = 4;

thread_local std::uint64_t t_node_hashes = 0;

// Leaves and nodes are a few dozen bytes: libsodium's SHA-256 keeps its state on the stack, so there is no
// per-call allocation and no per-thread hash object whose destruction could outlive the crypto library at
// exit (a thread_local Botan hasher did, when the server's pool threads ended after Botan's allocator).
struct SmallHasher {
    crypto_hash_sha256_state st{};
    SmallHasher() { crypto_hash_sha256_init(&st); }
    void update(const std::uint8_t* d, std::size_t n) { crypto_hash_sha256_update(&st, d, n); }
    Hash finish() {
        Hash out{};
        crypto_hash_sha256_final(&st, out.data());
        return out;
    }
};

// RFC 6962 section 2.1: for n > 1, k is the largest power of two smaller than n.
std::uint64_t split_point(std::uint64_t n) {
    return std::bit_floor(n - 1);
}

Hash reference_mth(const Hash* leaves, std::size_t n) {
    if (n == 1) {
        return leaves[0];
    }
    const auto k = static_cast<std::size_t>(split_point(n));
    return merkle_node_hash(reference_mth(leaves, k), reference_mth(leaves + k, n - k));
}

Error reject(const char* what, const std::string& detail) {
    return make_error(Errc::integrity, std::string(what) + " rejected: " + detail);
}

} // namespace

Hash merkle_leaf_hash(const std::uint8_t* data, std::size_t size) {
    SmallHasher hasher;
    const std::uint8_t prefix = 0x00;
    hasher.update(&prefix, 1);
    hasher.update(data, size);
    return hasher.finish();
}

Hash merkle_node_hash(const Hash& left, const Hash& right) {
    SmallHasher hasher;
    const std::uint8_t prefix = 0x01;
    hasher.update(&prefix, 1);
    hasher.update(left.data(), left.size());
    hasher.update(right.data(), right.size());
    ++t_node_hashes;
    return hasher.finish();
}

Hash merkle_root(const std::vector<Hash>& leaf_hashes) {
    if (leaf_hashes.empty()) {
        return sha256(std::string_view{});
    }
    return reference_mth(leaf_hashes.data(), leaf_hashes.size());
}

namespace detail {

void HashColumn::push_back(const Hash& hash) {
    if ((m_size & (k_chunk_size - 1)) == 0) {
        m_chunks.push_back(std::make_unique_for_overwrite<Hash[]>(k_chunk_size));
    }
    m_chunks.back()[m_size & (k_chunk_size - 1)] = hash;
    ++m_size;
}

std::uint64_t merkle_node_hashes_computed() noexcept {
    return t_node_hashes;
}

} // namespace detail

void MerkleTree::append(const Hash& leaf_hash) {
    if (m_levels.empty()) {
        m_levels.resize(1);
    }
    m_levels[0].push_back(leaf_hash);
    ++m_size;
    // The new size closes one aligned subtree on every level l with 2^l dividing it.
    for (unsigned level = k_first_stored_level; level < 64; ++level) {
        const std::uint64_t width = std::uint64_t{1} << level;
        if (m_size % width != 0) {
            break;
        }
        if (m_levels.size() <= level) {
            m_levels.resize(level + 1);
        }
        const std::uint64_t index = m_size / width - 1;
        m_levels[level].push_back(
            merkle_node_hash(subtree(level - 1, 2 * index), subtree(level - 1, 2 * index + 1)));
    }
}

const Hash& MerkleTree::leaf(std::uint64_t index) const {
    if (index >= m_size) {
        throw std::out_of_range("MerkleTree::leaf: index " + std::to_string(index) + " >= size " +
                                std::to_string(m_size));
    }
    return m_levels[0][index];
}

Hash MerkleTree::subtree(unsigned level, std::uint64_t index) const {
    if (level == 0 || level >= k_first_stored_level) {
        return m_levels[level][index];
    }
    return merkle_node_hash(subtree(level - 1, 2 * index), subtree(level - 1, 2 * index + 1));
}

// MTH(D[begin:end]) for the ranges the RFC recursion produces: begin is a multiple of the largest power of
// two in (end - begin), so the range splits into aligned perfect subtrees, largest first, and MTH folds
// them from the right.
Hash MerkleTree::range_hash(std::uint64_t begin, std::uint64_t end) const {
    const std::uint64_t count = end - begin;
    std::array<Hash, 64> parts{};
    std::size_t used = 0;
    std::uint64_t position = begin;
    for (unsigned level = 64; level-- > 0;) {
        const std::uint64_t width = std::uint64_t{1} << level;
        if ((count & width) != 0) {
            parts[used++] = subtree(level, position >> level);
            position += width;
        }
    }
    Hash acc = parts[used - 1];
    for (std::size_t i = used - 1; i-- > 0;) {
        acc = merkle_node_hash(parts[i], acc);
    }
    return acc;
}

Result<Hash> MerkleTree::root(std::uint64_t tree_size) const {
    if (tree_size > m_size) {
        return make_error(Errc::invalid_input, "tree size " + std::to_string(tree_size) +
                                                   " is larger than the log (" + std::to_string(m_size) +
                                                   ")");
    }
    if (tree_size == 0) {
        return sha256(std::string_view{});
    }
    return range_hash(0, tree_size);
}

Result<std::vector<Hash>> MerkleTree::inclusion_proof(std::uint64_t index, std::uint64_t tree_size) const {
    if (tree_size > m_size) {
        return make_error(Errc::invalid_input, "tree size " + std::to_string(tree_size) +
                                                   " is larger than the log (" + std::to_string(m_size) +
                                                   ")");
    }
    if (index >= tree_size) {
        return make_error(Errc::invalid_input, "leaf index " + std::to_string(index) +
                                                   " is outside a tree of size " + std::to_string(tree_size));
    }
    // The RFC recursion unrolled: walk from the root towards the leaf, collecting the sibling subtree at
    // each split; the proof lists them leaf-side first.
    std::vector<Hash> proof;
    std::uint64_t lo = 0;
    std::uint64_t hi = tree_size;
    while (hi - lo > 1) {
        const std::uint64_t k = split_point(hi - lo);
        if (index < lo + k) {
            proof.push_back(range_hash(lo + k, hi));
            hi = lo + k;
        } else {
            proof.push_back(range_hash(lo, lo + k));
            lo += k;
        }
    }
    std::reverse(proof.begin(), proof.end());
    return proof;
}

Result<std::vector<Hash>> MerkleTree::consistency_proof(std::uint64_t old_size,
                                                        std::uint64_t new_size) const {
    if (new_size > m_size) {
        return make_error(Errc::invalid_input, "tree size " + std::to_string(new_size) +
                                                   " is larger than the log (" + std::to_string(m_size) +
                                                   ")");
    }
    if (old_size == 0 || old_size > new_size) {
        return make_error(Errc::invalid_input, "no consistency proof from size " + std::to_string(old_size) +
                                                   " to size " + std::to_string(new_size));
    }
    // SUBPROOF(m, D[n], b) unrolled with absolute leaf positions: [lo, hi) is the current subtree and
    // complete_subtree is the RFC's b. It turns false on the first step to the right; from then on the
    // subtree the walk ends in is not the whole old tree, so the verifier does not know its hash and the
    // proof must carry it.
    std::vector<Hash> siblings;
    std::vector<Hash> proof;
    std::uint64_t lo = 0;
    std::uint64_t hi = new_size;
    bool complete_subtree = true;
    while (old_size != hi) {
        const std::uint64_t k = split_point(hi - lo);
        if (old_size <= lo + k) {
            siblings.push_back(range_hash(lo + k, hi));
            hi = lo + k;
        } else {
            siblings.push_back(range_hash(lo, lo + k));
            lo += k;
            complete_subtree = false;
        }
    }
    if (!complete_subtree) {
        proof.push_back(range_hash(lo, hi));
    }
    proof.insert(proof.end(), siblings.rbegin(), siblings.rend());
    return proof;
}

Status verify_inclusion(const Hash& leaf_hash, std::uint64_t index, std::uint64_t tree_size,
                        const std::vector<Hash>& proof, const Hash& root) {
    constexpr const char* what = "inclusion proof";
    if (index >= tree_size) {
        return reject(what, "leaf index " + std::to_string(index) + " is outside a tree of size " +
                                std::to_string(tree_size));
    }
    std::uint64_t fn = index;
    std::uint64_t sn = tree_size - 1;
    Hash r = leaf_hash;
    for (const Hash& p : proof) {
        if (sn == 0) {
            return reject(what, "more hashes than a tree of size " + std::to_string(tree_size) + " needs");
        }
        if ((fn & 1) != 0 || fn == sn) {
            r = merkle_node_hash(p, r);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            r = merkle_node_hash(r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) {
        return reject(what, "fewer hashes than a tree of size " + std::to_string(tree_size) + " needs");
    }
    if (r != root) {
        return reject(what, "leaf " + std::to_string(index) + " does not lead to the expected root");
    }
    return {};
}

Status verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                          const Hash& new_root, const std::vector<Hash>& proof) {
    constexpr const char* what = "consistency proof";
    if (old_size == 0) {
        return reject(what, "the old tree is empty; there is nothing to prove");
    }
    if (old_size > new_size) {
        return reject(what, "the log shrank from " + std::to_string(old_size) + " to " +
                                std::to_string(new_size) + " leaves");
    }
    if (old_size == new_size) {
        if (!proof.empty()) {
            return reject(what, "equal tree sizes need an empty proof");
        }
        if (old_root != new_root) {
            return reject(what, "two different roots for tree size " + std::to_string(old_size));
        }
        return {};
    }
    if (proof.empty()) {
        return reject(what, "empty proof for growing tree sizes");
    }
    std::uint64_t fn = old_size - 1;
    std::uint64_t sn = new_size - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    // When the old tree is a perfect subtree its root starts both chains and is not sent in the proof.
    std::size_t next = 0;
    Hash fr = std::has_single_bit(old_size) ? old_root : proof[next++];
    Hash sr = fr;
    for (; next < proof.size(); ++next) {
        const Hash& c = proof[next];
        if (sn == 0) {
            return reject(what, "more hashes than sizes " + std::to_string(old_size) + " -> " +
                                    std::to_string(new_size) + " need");
        }
        if ((fn & 1) != 0 || fn == sn) {
            fr = merkle_node_hash(c, fr);
            sr = merkle_node_hash(c, sr);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            sr = merkle_node_hash(sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) {
        return reject(what, "fewer hashes than sizes " + std::to_string(old_size) + " -> " +
                                std::to_string(new_size) + " need");
    }
    if (fr != old_root) {
        return reject(what, "does not lead to the old root of size " + std::to_string(old_size));
    }
    if (sr != new_root) {
        return reject(what, "does not lead to the new root of size " + std::to_string(new_size));
    }
    return {};
}

} // namespace kinvault::crypto
