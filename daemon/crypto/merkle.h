// Merkle hash trees for the tamper-evident audit log, as defined by RFC 6962 section 2.1 (unchanged in
// RFC 9162 section 2.1): leaves SHA-256(0x00 || entry), interior nodes SHA-256(0x01 || left || right), with
// inclusion and consistency proofs. The 0x00/0x01 prefixes keep a leaf from being passed off as a node
// (second-preimage resistance, RFC 9162 section 2.1.1).
#pragma once

#include "common/result.h"
#include "crypto/sha256.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace kinvault::crypto {

using Hash = Digest;

[[nodiscard]] Hash merkle_leaf_hash(const std::uint8_t* data, std::size_t size);
[[nodiscard]] Hash merkle_node_hash(const Hash& left, const Hash& right);

// MTH(D[n]) of RFC 6962 section 2.1, computed straight from the recursive definition. It is the reference
// that `audit verify` recomputes a root with, and the oracle the tree below is tested against; the empty
// list gives SHA-256 of the empty string.
[[nodiscard]] Hash merkle_root(const std::vector<Hash>& leaf_hashes);

namespace detail {

// Append-only column of hashes in fixed-size chunks: growing it never copies what is stored (a doubling
// vector would briefly need three times the memory at ten million leaves) and references stay valid.
class HashColumn {
public:
    void push_back(const Hash& hash);
    [[nodiscard]] const Hash& operator[](std::uint64_t index) const {
        return m_chunks[index >> k_chunk_bits][index & (k_chunk_size - 1)];
    }
    [[nodiscard]] std::uint64_t size() const noexcept { return m_size; }

private:
    static constexpr unsigned k_chunk_bits = 12;
    static constexpr std::uint64_t k_chunk_size = std::uint64_t{1} << k_chunk_bits;
    std::vector<std::unique_ptr<Hash[]>> m_chunks;
    std::uint64_t m_size{0};
};

// Node hashes computed by this thread since it started (merkle_node_hash calls). Lets tests check the
// logarithmic cost of proofs by counting work rather than timing it.
[[nodiscard]] std::uint64_t merkle_node_hashes_computed() noexcept;

} // namespace detail

// The log's tree, in memory. Append-only and thread-compatible: const members may run concurrently, append
// needs exclusive access. root() and the proofs answer for any historic size with O(log n) hashes because
// every complete aligned subtree's hash is kept, except on levels 1 to 3: those are recomputed from the
// leaves on demand (at most 11 extra hashes per answer), which brings memory down from 64 to 36 bytes per
// leaf (360 MB at ten million leaves).
class MerkleTree {
public:
    void append(const Hash& leaf_hash);
    [[nodiscard]] std::uint64_t size() const noexcept { return m_size; }

    // MTH of the first tree_size leaves; tree_size 0 gives SHA-256(""). invalid_input if tree_size > size().
    [[nodiscard]] Result<Hash> root(std::uint64_t tree_size) const;
    // PATH(index, D[tree_size]) of RFC 6962 section 2.1.1, leaf-side sibling first.
    [[nodiscard]] Result<std::vector<Hash>> inclusion_proof(std::uint64_t index,
                                                            std::uint64_t tree_size) const;
    // PROOF(old_size, D[new_size]) of RFC 6962 section 2.1.2; empty when the sizes are equal. old_size 0 is
    // refused: every log is consistent with the empty tree, so there is nothing to prove.
    [[nodiscard]] Result<std::vector<Hash>> consistency_proof(std::uint64_t old_size,
                                                              std::uint64_t new_size) const;
    // Precondition index < size(); throws std::out_of_range otherwise.
    [[nodiscard]] const Hash& leaf(std::uint64_t index) const;

private:
    [[nodiscard]] Hash subtree(unsigned level, std::uint64_t index) const;
    [[nodiscard]] Hash range_hash(std::uint64_t begin, std::uint64_t end) const;

    // m_levels[l][i] is the hash of leaves [i * 2^l, (i + 1) * 2^l); levels 1 to 3 stay empty.
    std::vector<detail::HashColumn> m_levels;
    std::uint64_t m_size{0};
};

// RFC 9162 section 2.1.3.2. Every failure is Errc::integrity.
[[nodiscard]] Status verify_inclusion(const Hash& leaf_hash, std::uint64_t index, std::uint64_t tree_size,
                                      const std::vector<Hash>& proof, const Hash& root);
// RFC 9162 section 2.1.4.2, plus: equal sizes need equal roots and an empty proof; old_size 0 is refused
// (a proof from the empty tree proves nothing, so accepting one would hide a caller bug). Errc::integrity.
[[nodiscard]] Status verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                                        const Hash& new_root, const std::vector<Hash>& proof);

} // namespace kinvault::crypto
