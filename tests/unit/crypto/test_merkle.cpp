#include "common/hex.h"
#include "crypto/merkle.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using kinvault::Errc;
using kinvault::crypto::Hash;
using kinvault::crypto::merkle_leaf_hash;
using kinvault::crypto::merkle_node_hash;
using kinvault::crypto::merkle_root;
using kinvault::crypto::MerkleTree;
using kinvault::crypto::verify_consistency;
using kinvault::crypto::verify_inclusion;

namespace {

// Also used for namespace-scope constants, so it throws instead of using REQUIRE.
Hash h(const std::string& hex) {
    const auto bytes = kinvault::from_hex(hex);
    if (!bytes || bytes->size() != 32) {
        throw std::invalid_argument("bad test hash " + hex);
    }
    Hash out{};
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
}

Hash leaf_of(const std::string& hex) {
    const auto bytes = kinvault::from_hex(hex);
    REQUIRE(bytes);
    return merkle_leaf_hash(bytes->data(), bytes->size());
}

// The RFC 6962 reference test tree: leaf inputs, the root for every size 1..8, and the published
// inclusion and consistency proofs. Source: github.com/transparency-dev/merkle, proof/verify_test.go
// (`leaves`, `roots`, `inclusionProofs`, `consistencyProofs`), originally from the certificate-transparency
// C++ log server's merkle tree tests.
const std::vector<std::string> k_leaf_inputs = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};
const std::vector<std::string> k_roots = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};
const Hash k_empty_root = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
const Hash k_some_hash = h("abacaba000000000000000000000000000000000000000000060061e00123456");

struct InclusionVector {
    std::uint64_t leaf; // 1-based, as published
    std::uint64_t size;
    std::vector<std::string> proof;
};
const std::vector<InclusionVector> k_inclusion_vectors = {
    {1, 1, {}},
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {3, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {2,
     5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

struct ConsistencyVector {
    std::uint64_t old_size;
    std::uint64_t new_size;
    std::vector<std::string> proof;
};
const std::vector<ConsistencyVector> k_consistency_vectors = {
    {1, 1, {}},
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

std::vector<Hash> hashes(const std::vector<std::string>& hex) {
    std::vector<Hash> out;
    for (const auto& x : hex) {
        out.push_back(h(x));
    }
    return out;
}

MerkleTree reference_tree() {
    MerkleTree tree;
    for (const auto& input : k_leaf_inputs) {
        tree.append(leaf_of(input));
    }
    return tree;
}

std::vector<Hash> synthetic_leaves(std::uint64_t count) {
    std::vector<Hash> leaves;
    for (std::uint64_t i = 0; i < count; ++i) {
        std::uint8_t data[8];
        for (int b = 0; b < 8; ++b) {
            data[b] = static_cast<std::uint8_t>(i >> (8 * b));
        }
        leaves.push_back(merkle_leaf_hash(data, sizeof data));
    }
    return leaves;
}

Hash flip(Hash hash, unsigned bit) {
    hash[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    return hash;
}

// The bits to flip in proof element `element`: all 256, or eight spread over the hash that move with the
// element and the tree so that an exhaustive run still touches every bit position.
std::vector<unsigned> bits_to_flip(bool all_bits, std::uint64_t salt) {
    std::vector<unsigned> bits;
    if (all_bits) {
        for (unsigned b = 0; b < 256; ++b) {
            bits.push_back(b);
        }
        return bits;
    }
    bits = {0, 255};
    for (unsigned k = 0; k < 6; ++k) {
        bits.push_back(static_cast<unsigned>((salt * 37 + k * 41 + 1) % 254 + 1));
    }
    return bits;
}

// Every kind of structural corruption of a proof: each element removed, a hash inserted at each end,
// adjacent elements swapped, the whole proof reversed. Entries that happen to equal the proof are skipped.
std::vector<std::pair<std::string, std::vector<Hash>>> structural_forgeries(const std::vector<Hash>& proof,
                                                                            const std::vector<Hash>& extras) {
    std::vector<std::pair<std::string, std::vector<Hash>>> out;
    for (std::size_t i = 0; i < proof.size(); ++i) {
        auto p = proof;
        p.erase(p.begin() + static_cast<std::ptrdiff_t>(i));
        out.emplace_back("element " + std::to_string(i) + " removed", p);
    }
    for (std::size_t e = 0; e < extras.size(); ++e) {
        auto back = proof;
        back.push_back(extras[e]);
        out.emplace_back("extra hash " + std::to_string(e) + " appended", back);
        std::vector<Hash> front = {extras[e]};
        front.insert(front.end(), proof.begin(), proof.end());
        out.emplace_back("extra hash " + std::to_string(e) + " prepended", front);
    }
    for (std::size_t i = 0; i + 1 < proof.size(); ++i) {
        if (proof[i] != proof[i + 1]) {
            auto p = proof;
            std::swap(p[i], p[i + 1]);
            out.emplace_back("elements " + std::to_string(i) + " and " + std::to_string(i + 1) + " swapped",
                             p);
        }
    }
    if (proof.size() > 2) {
        const std::vector<Hash> reversed(proof.rbegin(), proof.rend());
        if (reversed != proof) {
            out.emplace_back("proof reversed", reversed);
        }
    }
    return out;
}

// Runs the corruptions of one valid inclusion proof and returns those that were wrongly accepted.
// `roots[n]` is the true root of size n, used for the "proof replayed against another checkpoint" probes.
std::vector<std::string> accepted_inclusion_forgeries(const Hash& leaf, std::uint64_t index,
                                                      std::uint64_t size, const std::vector<Hash>& proof,
                                                      const std::vector<Hash>& roots, bool all_bits) {
    std::vector<std::string> accepted;
    const Hash& root = roots[size];
    const auto probe = [&](const std::string& what, const Hash& l, std::uint64_t i, std::uint64_t n,
                           const std::vector<Hash>& p, const Hash& r) {
        const auto status = verify_inclusion(l, i, n, p, r);
        if (status.ok()) {
            accepted.push_back(what);
        } else if (status.error().code != Errc::integrity) {
            accepted.push_back(what + " (wrong error code)");
        }
    };
    for (std::uint64_t other = 0; other < roots.size(); ++other) {
        if (other != index) {
            probe("index " + std::to_string(other), leaf, other, size, proof, root);
        }
    }
    probe("index 2^64-1", leaf, UINT64_MAX, size, proof, root);
    for (std::uint64_t other = 1; other < roots.size(); ++other) {
        if (other != size) {
            probe("size " + std::to_string(other) + " with its root", leaf, index, other, proof,
                  roots[other]);
        }
    }
    probe("size 0", leaf, index, 0, proof, root);
    probe("size * 2", leaf, index, size * 2, proof, root);
    probe("size / 2", leaf, index, size / 2, proof, root);
    probe("leaf bit 0 flipped", flip(leaf, 0), index, size, proof, root);
    probe("leaf bit 200 flipped", flip(leaf, 200), index, size, proof, root);
    probe("root bit 3 flipped", leaf, index, size, proof, flip(root, 3));
    probe("root bit 255 flipped", leaf, index, size, proof, flip(root, 255));
    probe("empty-tree root", leaf, index, size, proof, k_empty_root);
    probe("unrelated root", leaf, index, size, proof, k_some_hash);
    for (std::uint64_t other = 1; other < roots.size(); ++other) {
        if (other != size) {
            probe("root of size " + std::to_string(other), leaf, index, size, proof, roots[other]);
        }
    }
    for (const auto& [what, forged] : structural_forgeries(proof, {Hash{}, root, leaf, k_some_hash})) {
        probe(what, leaf, index, size, forged, root);
    }
    for (std::size_t e = 0; e < proof.size(); ++e) {
        for (const unsigned bit : bits_to_flip(all_bits, index * 131 + size * 7 + e)) {
            auto forged = proof;
            forged[e] = flip(forged[e], bit);
            probe("element " + std::to_string(e) + " bit " + std::to_string(bit) + " flipped", leaf, index,
                  size, forged, root);
        }
    }
    return accepted;
}

std::vector<std::string> accepted_consistency_forgeries(std::uint64_t old_size, std::uint64_t new_size,
                                                        const std::vector<Hash>& proof,
                                                        const std::vector<Hash>& roots, bool all_bits) {
    std::vector<std::string> accepted;
    const Hash& old_root = roots[old_size];
    const Hash& new_root = roots[new_size];
    const auto probe = [&](const std::string& what, std::uint64_t m, std::uint64_t n, const Hash& r1,
                           const Hash& r2, const std::vector<Hash>& p) {
        const auto status = verify_consistency(m, n, r1, r2, p);
        if (status.ok()) {
            accepted.push_back(what);
        } else if (status.error().code != Errc::integrity) {
            accepted.push_back(what + " (wrong error code)");
        }
    };
    probe("old root bit 0 flipped", old_size, new_size, flip(old_root, 0), new_root, proof);
    probe("old root bit 130 flipped", old_size, new_size, flip(old_root, 130), new_root, proof);
    probe("new root bit 7 flipped", old_size, new_size, old_root, flip(new_root, 7), proof);
    probe("new root bit 255 flipped", old_size, new_size, old_root, flip(new_root, 255), proof);
    probe("roots swapped", old_size, new_size, new_root, old_root, proof);
    probe("unrelated old root", old_size, new_size, k_some_hash, new_root, proof);
    probe("unrelated new root", old_size, new_size, old_root, k_some_hash, proof);
    probe("empty proof", old_size, new_size, old_root, new_root, {});
    probe("old size 0", 0, new_size, old_root, new_root, proof);
    probe("sizes reversed", new_size, old_size, new_root, old_root, proof);
    // The proof replayed between other checkpoints, each with its true root.
    const std::vector<std::uint64_t> old_sizes = {old_size - 1, old_size + 1, old_size ^ 1,
                                                  old_size ^ 2, old_size * 2, old_size / 2};
    const std::vector<std::uint64_t> new_sizes = {new_size,     new_size - 1, new_size + 1,
                                                  new_size ^ 1, new_size * 2, new_size / 2};
    for (const std::uint64_t m : old_sizes) {
        for (const std::uint64_t n : new_sizes) {
            if (m >= 1 && m <= n && n < roots.size() && (m != old_size || n != new_size)) {
                probe("sizes " + std::to_string(m) + " -> " + std::to_string(n) + " with their roots", m, n,
                      roots[m], roots[n], proof);
            }
        }
    }
    for (std::uint64_t n = old_size; n < roots.size(); ++n) {
        if (n != new_size) {
            probe("new size " + std::to_string(n) + " with its root", old_size, n, old_root, roots[n], proof);
        }
    }
    for (const auto& [what, forged] :
         structural_forgeries(proof, {Hash{}, old_root, new_root, proof.front()})) {
        probe(what, old_size, new_size, old_root, new_root, forged);
    }
    for (std::size_t e = 0; e < proof.size(); ++e) {
        for (const unsigned bit : bits_to_flip(all_bits, old_size * 131 + new_size * 7 + e)) {
            auto forged = proof;
            forged[e] = flip(forged[e], bit);
            probe("element " + std::to_string(e) + " bit " + std::to_string(bit) + " flipped", old_size,
                  new_size, old_root, new_root, forged);
        }
    }
    return accepted;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += item + "; ";
    }
    return out;
}

} // namespace

TEST_CASE("Merkle leaf and node hashes are domain-separated SHA-256 as in RFC 6962 section 2.1", "[merkle]") {
    SECTION("the leaf hash of the empty entry is SHA-256 of a single zero byte") {
        CHECK(merkle_leaf_hash(nullptr, 0) == h(k_roots[0]));
    }
    SECTION("a node hash prefixes 0x01 to the two children") {
        CHECK(merkle_node_hash(leaf_of(""), leaf_of("00")) == h(k_roots[1]));
    }
    SECTION("the root of an empty tree is SHA-256 of the empty string") {
        CHECK(merkle_root({}) == k_empty_root);
        CHECK(MerkleTree{}.root(0).value() == k_empty_root);
    }
}

TEST_CASE("Merkle roots match the published RFC 6962 test vectors for every size", "[merkle]") {
    std::vector<Hash> leaves;
    for (const auto& input : k_leaf_inputs) {
        leaves.push_back(leaf_of(input));
    }
    const MerkleTree tree = reference_tree();
    for (std::size_t n = 1; n <= leaves.size(); ++n) {
        INFO("tree size " << n);
        SECTION("the reference MTH gives the published root of size " + std::to_string(n)) {
            CHECK(merkle_root({leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n)}) ==
                  h(k_roots[n - 1]));
        }
        SECTION("the tree answers the published root of historic size " + std::to_string(n)) {
            CHECK(tree.root(n).value() == h(k_roots[n - 1]));
        }
    }
}

TEST_CASE("Inclusion proofs match the published RFC 6962 test vectors", "[merkle]") {
    const MerkleTree tree = reference_tree();
    std::vector<Hash> roots = {k_empty_root};
    for (const auto& r : k_roots) {
        roots.push_back(h(r));
    }
    for (const auto& v : k_inclusion_vectors) {
        const std::uint64_t index = v.leaf - 1;
        const auto expected = hashes(v.proof);
        const Hash leaf = leaf_of(k_leaf_inputs[index]);
        INFO("leaf index " << index << ", tree size " << v.size);
        SECTION("the tree generates the published proof for leaf " + std::to_string(index) + " of " +
                std::to_string(v.size)) {
            CHECK(tree.inclusion_proof(index, v.size).value() == expected);
        }
        SECTION("the published proof for leaf " + std::to_string(index) + " of " + std::to_string(v.size) +
                " verifies") {
            CHECK(verify_inclusion(leaf, index, v.size, expected, roots[v.size]).ok());
        }
        SECTION("every corruption of the published proof for leaf " + std::to_string(index) + " of " +
                std::to_string(v.size) + " is rejected, every bit flip included") {
            const auto accepted = accepted_inclusion_forgeries(leaf, index, v.size, expected, roots, true);
            INFO(joined(accepted));
            CHECK(accepted.empty());
        }
    }
}

TEST_CASE("Consistency proofs match the published RFC 6962 test vectors", "[merkle]") {
    const MerkleTree tree = reference_tree();
    std::vector<Hash> roots = {k_empty_root};
    for (const auto& r : k_roots) {
        roots.push_back(h(r));
    }
    for (const auto& v : k_consistency_vectors) {
        const auto expected = hashes(v.proof);
        const std::string name = std::to_string(v.old_size) + " -> " + std::to_string(v.new_size);
        SECTION("the tree generates the published proof " + name) {
            CHECK(tree.consistency_proof(v.old_size, v.new_size).value() == expected);
        }
        SECTION("the published proof " + name + " verifies") {
            CHECK(verify_consistency(v.old_size, v.new_size, roots[v.old_size], roots[v.new_size], expected)
                      .ok());
        }
        if (expected.empty()) {
            continue;
        }
        SECTION("every corruption of the published proof " + name + " is rejected, every bit flip included") {
            const auto accepted =
                accepted_consistency_forgeries(v.old_size, v.new_size, expected, roots, true);
            INFO(joined(accepted));
            CHECK(accepted.empty());
        }
        // transparency-dev's corruptConsistencyProof also expects these to fail with the roots unchanged.
        SECTION("the published proof " + name + " fails for neighbouring sizes with the same roots") {
            const Hash& r1 = roots[v.old_size];
            const Hash& r2 = roots[v.new_size];
            CHECK_FALSE(verify_consistency(v.old_size - 1, v.new_size, r1, r2, expected).ok());
            CHECK_FALSE(verify_consistency(v.old_size + 1, v.new_size, r1, r2, expected).ok());
            CHECK_FALSE(verify_consistency(v.old_size ^ 2, v.new_size, r1, r2, expected).ok());
            CHECK_FALSE(verify_consistency(v.old_size, v.new_size * 2, r1, r2, expected).ok());
            CHECK_FALSE(verify_consistency(v.old_size, v.new_size / 2, r1, r2, expected).ok());
        }
    }
}

TEST_CASE("Every inclusion proof of trees up to 70 leaves verifies and every corruption of it fails",
          "[merkle][exhaustive]") {
    constexpr std::uint64_t k_max = 70;
    const auto leaves = synthetic_leaves(2 * k_max);
    MerkleTree tree;
    for (const auto& leaf : leaves) {
        tree.append(leaf);
    }
    std::vector<Hash> roots = {k_empty_root};
    for (std::uint64_t n = 1; n <= 2 * k_max; ++n) {
        roots.push_back(merkle_root({leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n)}));
    }

    SECTION("the tree's root of every historic size equals the reference MTH of that prefix") {
        for (std::uint64_t n = 0; n <= 2 * k_max; ++n) {
            INFO("tree size " << n);
            CHECK(tree.root(n).value() == roots[n]);
        }
    }
    SECTION("every proof for every leaf of every size verifies against the reference root") {
        std::uint64_t failures = 0;
        for (std::uint64_t n = 1; n <= k_max; ++n) {
            for (std::uint64_t i = 0; i < n; ++i) {
                const auto proof = tree.inclusion_proof(i, n);
                if (!proof || !verify_inclusion(leaves[i], i, n, *proof, roots[n]).ok()) {
                    UNSCOPED_INFO("leaf " << i << " of " << n);
                    ++failures;
                }
            }
        }
        CHECK(failures == 0);
    }
    SECTION("every corruption of every proof is rejected (all bits up to size 20, eight per hash beyond)") {
        std::vector<std::string> accepted;
        for (std::uint64_t n = 1; n <= k_max; ++n) {
            for (std::uint64_t i = 0; i < n; ++i) {
                const auto proof = tree.inclusion_proof(i, n).value();
                for (const auto& what :
                     accepted_inclusion_forgeries(leaves[i], i, n, proof, roots, n <= 20)) {
                    accepted.push_back("leaf " + std::to_string(i) + " of " + std::to_string(n) + ": " +
                                       what);
                }
            }
        }
        INFO(joined(accepted));
        CHECK(accepted.empty());
    }
}

TEST_CASE("Every consistency proof between trees up to 70 leaves verifies and every corruption of it fails",
          "[merkle][exhaustive]") {
    constexpr std::uint64_t k_max = 70;
    const auto leaves = synthetic_leaves(2 * k_max);
    MerkleTree tree;
    for (const auto& leaf : leaves) {
        tree.append(leaf);
    }
    std::vector<Hash> roots = {k_empty_root};
    for (std::uint64_t n = 1; n <= 2 * k_max; ++n) {
        roots.push_back(merkle_root({leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n)}));
    }

    SECTION("every proof between every pair of sizes verifies against the reference roots") {
        std::uint64_t failures = 0;
        for (std::uint64_t n = 1; n <= k_max; ++n) {
            for (std::uint64_t m = 1; m <= n; ++m) {
                const auto proof = tree.consistency_proof(m, n);
                if (!proof || !verify_consistency(m, n, roots[m], roots[n], *proof).ok()) {
                    UNSCOPED_INFO("sizes " << m << " -> " << n);
                    ++failures;
                }
            }
        }
        CHECK(failures == 0);
    }
    SECTION("every corruption of every proof is rejected (all bits up to size 20, eight per hash beyond)") {
        std::vector<std::string> accepted;
        for (std::uint64_t n = 2; n <= k_max; ++n) {
            for (std::uint64_t m = 1; m < n; ++m) {
                const auto proof = tree.consistency_proof(m, n).value();
                for (const auto& what : accepted_consistency_forgeries(m, n, proof, roots, n <= 20)) {
                    accepted.push_back("sizes " + std::to_string(m) + " -> " + std::to_string(n) + ": " +
                                       what);
                }
            }
        }
        INFO(joined(accepted));
        CHECK(accepted.empty());
    }
}

TEST_CASE("Consistency verification handles the degenerate sizes strictly", "[merkle]") {
    const MerkleTree tree = reference_tree();
    const Hash r3 = h(k_roots[2]);
    const Hash r5 = h(k_roots[4]);
    const auto proof = tree.consistency_proof(3, 5).value();

    SECTION("equal sizes with equal roots and an empty proof are consistent") {
        CHECK(verify_consistency(5, 5, r5, r5, {}).ok());
    }
    SECTION("equal sizes with a non-empty proof are rejected") {
        CHECK(verify_consistency(5, 5, r5, r5, {r5}).error().code == Errc::integrity);
        CHECK(verify_consistency(5, 5, r5, r5, proof).error().code == Errc::integrity);
    }
    SECTION("equal sizes with different roots are rejected") {
        CHECK(verify_consistency(5, 5, r5, r3, {}).error().code == Errc::integrity);
    }
    SECTION("an old size of zero is rejected") {
        CHECK(verify_consistency(0, 5, k_empty_root, r5, {}).error().code == Errc::integrity);
        CHECK(verify_consistency(0, 5, k_empty_root, r5, proof).error().code == Errc::integrity);
        CHECK(verify_consistency(0, 0, k_empty_root, k_empty_root, {}).error().code == Errc::integrity);
    }
    SECTION("an old size larger than the new size is rejected as a shrinking log") {
        const auto status = verify_consistency(5, 3, r5, r3, proof);
        CHECK(status.error().code == Errc::integrity);
        CHECK_THAT(status.error().message, Catch::Contains("shrank"));
        CHECK(verify_consistency(5, 3, r5, r3, {}).error().code == Errc::integrity);
    }
    SECTION("an empty proof between different sizes is rejected") {
        CHECK(verify_consistency(3, 5, r3, r5, {}).error().code == Errc::integrity);
    }
    SECTION("the rejection says what failed") {
        const auto status = verify_consistency(3, 5, r3, flip(r5, 1), proof);
        CHECK_THAT(status.error().message,
                   Catch::Contains("consistency proof") && Catch::Contains("new root"));
    }
}

TEST_CASE("Inclusion verification handles the degenerate sizes strictly", "[merkle]") {
    const Hash leaf = leaf_of("");
    SECTION("a one-leaf tree has an empty proof whose root is the leaf hash") {
        CHECK(verify_inclusion(leaf, 0, 1, {}, leaf).ok());
        CHECK_FALSE(verify_inclusion(leaf, 0, 1, {}, k_empty_root).ok());
        CHECK_FALSE(verify_inclusion(leaf, 0, 1, {leaf}, leaf).ok());
    }
    SECTION("a leaf of an empty tree is rejected") {
        CHECK(verify_inclusion(leaf, 0, 0, {}, k_empty_root).error().code == Errc::integrity);
    }
    SECTION("an index at or past the tree size is rejected") {
        CHECK(verify_inclusion(leaf, 1, 1, {}, leaf).error().code == Errc::integrity);
        CHECK(verify_inclusion(leaf, 2, 1, {}, leaf).error().code == Errc::integrity);
    }
    SECTION("the rejection says what failed") {
        const auto status = verify_inclusion(leaf, 0, 1, {}, k_empty_root);
        CHECK_THAT(status.error().message, Catch::Contains("inclusion proof") && Catch::Contains("root"));
    }
}

TEST_CASE("The tree refuses questions about sizes it does not have", "[merkle]") {
    const MerkleTree tree = reference_tree();
    SECTION("a root beyond the log size") {
        CHECK(tree.root(9).error().code == Errc::invalid_input);
    }
    SECTION("an inclusion proof in a tree beyond the log size") {
        CHECK(tree.inclusion_proof(0, 9).error().code == Errc::invalid_input);
    }
    SECTION("an inclusion proof for an index outside the tree size") {
        CHECK(tree.inclusion_proof(5, 5).error().code == Errc::invalid_input);
        CHECK(tree.inclusion_proof(0, 0).error().code == Errc::invalid_input);
    }
    SECTION("a consistency proof to a size beyond the log") {
        CHECK(tree.consistency_proof(3, 9).error().code == Errc::invalid_input);
    }
    SECTION("a consistency proof from the empty tree") {
        CHECK(tree.consistency_proof(0, 5).error().code == Errc::invalid_input);
    }
    SECTION("a consistency proof backwards") {
        CHECK(tree.consistency_proof(6, 5).error().code == Errc::invalid_input);
    }
    SECTION("a consistency proof between equal sizes is empty") {
        CHECK(tree.consistency_proof(5, 5).value().empty());
    }
    SECTION("a leaf beyond the log size throws") {
        CHECK(tree.leaf(7) == leaf_of(k_leaf_inputs[7]));
        CHECK_THROWS_AS(tree.leaf(8), std::out_of_range);
    }
}

// One test case without sections: building the tree is the expensive part and sections would rebuild it.
TEST_CASE("A tree of a million leaves answers historic roots and proofs with logarithmic work",
          "[merkle][large]") {
    constexpr std::uint64_t k_size = (std::uint64_t{1} << 20) + 12345;
    const auto leaves = synthetic_leaves(k_size);
    MerkleTree tree;
    const auto cost = [](auto&& work) {
        const std::uint64_t before = kinvault::crypto::detail::merkle_node_hashes_computed();
        work();
        return kinvault::crypto::detail::merkle_node_hashes_computed() - before;
    };

    // Appending closes about one stored node per leaf (the 16-leaf subtrees cost 15 hashes each).
    const std::uint64_t append_hashes = cost([&] {
        for (const auto& leaf : leaves) {
            tree.append(leaf);
        }
    });
    CHECK(append_hashes < k_size + k_size / 4);
    CHECK(tree.size() == k_size);
    CHECK(tree.root(k_size).value() == merkle_root(leaves));

    // A linear algorithm needs about a million hashes for each of these; 21 levels plus the recomputed
    // lower levels stay under 100.
    constexpr std::uint64_t k_budget = 100;
    for (const std::uint64_t n : {k_size, k_size - 1, std::uint64_t{1} << 20, std::uint64_t{777777}}) {
        INFO("tree size " << n);
        Hash root{};
        CHECK(cost([&] { root = tree.root(n).value(); }) <= k_budget);
        CHECK(root == merkle_root({leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n)}));
        for (const std::uint64_t i : {std::uint64_t{0}, n / 3, n - 1}) {
            INFO("leaf " << i);
            std::vector<Hash> proof;
            CHECK(cost([&] { proof = tree.inclusion_proof(i, n).value(); }) <= k_budget);
            CHECK(verify_inclusion(leaves[i], i, n, proof, root).ok());
        }
        for (const std::uint64_t m : {std::uint64_t{1}, n / 2 + 1, n - 1}) {
            INFO("old size " << m);
            std::vector<Hash> proof;
            CHECK(cost([&] { proof = tree.consistency_proof(m, n).value(); }) <= k_budget);
            CHECK(verify_consistency(m, n, tree.root(m).value(), root, proof).ok());
        }
    }
}
