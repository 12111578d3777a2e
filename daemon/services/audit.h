// The tamper-evident audit log (security.md "Audit log"): every state change, read and denial becomes a
// leaf of an RFC 6962 Merkle tree stored in the database; signed checkpoints (C2SP tlog-checkpoint) let a
// client that kept an old checkpoint prove the log only grew.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "services/context.h"
#include "storage/store.h"

#include <mutex>
#include <string>
#include <vector>

namespace kinvault::services {

// Fields left out of a designated initialiser are empty.
struct AuditEvent {
    std::string actor{};  // user id, or "system"
    std::string action{}; // e.g. "document.read", "case.create", "login.failure"
    std::string object{}; // object id (never a title or file name)
    std::string case_id{};
    std::string decision{}; // "permit" | "deny" | "ok" | "error"
    std::string reason{};   // rule code and plain words, no document content
    std::string details{};  // optional JSON object text, ids and codes only
};

class AuditLog {
public:
    AuditLog(storage::Store& store, const Clock& clock, crypto::CheckpointSigner signer, std::string origin);

    // Rebuilds the in-memory tree from the stored leaves, checking each stored leaf against its entry.
    [[nodiscard]] Status load();

    // Appends inside the caller's transaction when there is one (the entry commits or rolls back with the
    // change it records); otherwise in its own. Fails closed: callers must not release anything on error.
    [[nodiscard]] Status append(const AuditEvent& event, const RequestInfo& request);

    [[nodiscard]] std::uint64_t size() const;
    [[nodiscard]] Result<std::string> signed_checkpoint(std::uint64_t size) const;
    [[nodiscard]] Result<std::string> latest_checkpoint() const;
    [[nodiscard]] std::string verifier_key() const { return m_signer.verifier_key(); }
    [[nodiscard]] const std::string& origin() const { return m_origin; }
    [[nodiscard]] Result<std::vector<crypto::Hash>> inclusion_proof(std::uint64_t index,
                                                                    std::uint64_t size) const;
    [[nodiscard]] Result<std::vector<crypto::Hash>> consistency_proof(std::uint64_t first,
                                                                      std::uint64_t second) const;
    [[nodiscard]] Result<std::vector<storage::AuditRecord>> entries(std::int64_t from,
                                                                    std::int64_t count) const;

    // Test hook for failure injection: when set, every append fails (proves fail-closed paths).
    void inject_failure(bool fail) { m_fail = fail; }

private:
    storage::Store& m_store;
    const Clock& m_clock;
    crypto::CheckpointSigner m_signer;
    std::string m_origin;
    mutable std::mutex m_tree_mutex;
    crypto::MerkleTree m_tree;
    bool m_fail{false};
};

} // namespace kinvault::services
