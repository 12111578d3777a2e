#include "fixture.h"

#include "crypto/merkle.h"

using namespace kvunit;

TEST_CASE("audit entries become Merkle leaves whose proofs verify against signed checkpoints", "[audit]") {
    Stack s;
    for (int i = 0; i < 10; ++i) {
        REQUIRE(s.audit->append(
            {"usr_x", "document.read", "doc_" + std::to_string(i), "case_1", "permit", "test", ""}, s.req));
    }
    const std::uint64_t size = s.audit->size();
    CHECK(size == 10);
    auto entries = s.audit->entries(0, 100);
    REQUIRE(entries);
    std::vector<crypto::Hash> leaves;
    for (const auto& e : *entries) {
        leaves.push_back(
            crypto::merkle_leaf_hash(reinterpret_cast<const std::uint8_t*>(e.entry.data()), e.entry.size()));
        CHECK(e.entry.find("\"client\":\"192.0.2.7\"") != std::string::npos);
    }
    auto note = s.audit->latest_checkpoint();
    REQUIRE(note);
    auto cp = crypto::open_checkpoint(*note, s.audit->verifier_key());
    REQUIRE(cp);
    CHECK(cp->size == 10);
    CHECK(cp->root == crypto::merkle_root(leaves));
    auto proof = s.audit->inclusion_proof(3, 10);
    REQUIRE(proof);
    CHECK(crypto::verify_inclusion(leaves[3], 3, 10, *proof, cp->root));
    auto consistency = s.audit->consistency_proof(4, 10);
    REQUIRE(consistency);
    const std::vector<crypto::Hash> first(leaves.begin(), leaves.begin() + 4);
    CHECK(crypto::verify_consistency(4, 10, crypto::merkle_root(first), cp->root, *consistency));
}

TEST_CASE("reloading the audit log rebuilds the same tree and notices a rewritten entry", "[audit]") {
    Stack s;
    for (int i = 0; i < 5; ++i) {
        REQUIRE(s.audit->append({"usr_x", "case.read", "c", "c", "permit", "r", ""}, s.req));
    }
    auto before = s.audit->latest_checkpoint();
    services::AuditLog reloaded(*s.store, s.clock, crypto::CheckpointSigner::generate("other"),
                                "test.local/audit");
    REQUIRE(reloaded.load());
    CHECK(reloaded.size() == 5);

    // Rewrite the last entry's text behind the log's back: its stored leaf no longer matches.
    REQUIRE(s.store->transaction([&]() -> Status {
        auto seq = s.store->append_audit("{\"forged\":true}", Bytes(32, 0));
        return seq ? Status{} : Status(seq.error());
    }));
    services::AuditLog tampered(*s.store, s.clock, crypto::CheckpointSigner::generate("other"),
                                "test.local/audit");
    auto loaded = tampered.load();
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code == Errc::integrity);
}

TEST_CASE("when the audit log cannot be written, nothing is released", "[audit]") {
    Stack s;
    const auto clinician = s.clinician();
    auto c = s.cases->create(clinician, "Rivera family", "closed", s.req);
    REQUIRE(c);
    s.audit->inject_failure(true);
    auto listing = s.vault->list(clinician, c->id, s.req);
    REQUIRE_FALSE(listing);
    CHECK(listing.error().code == Errc::unavailable);
}
