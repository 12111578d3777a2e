#include "services/audit.h"

#include "json/writer.h"

namespace kinvault::services {

AuditLog::AuditLog(storage::Store& store, const Clock& clock, crypto::CheckpointSigner signer,
                   std::string origin)
    : m_store(store), m_clock(clock), m_signer(std::move(signer)), m_origin(std::move(origin)) {}

Status AuditLog::load() {
    std::lock_guard<std::mutex> lock(m_tree_mutex);
    m_tree = crypto::MerkleTree();
    std::int64_t expected = 0;
    bool gap = false;
    KV_TRY(m_store.for_each_audit_leaf([&](std::int64_t seq, const Bytes& leaf) {
        if (seq != expected || leaf.size() != 32) {
            gap = true;
            return;
        }
        crypto::Hash h{};
        std::copy(leaf.begin(), leaf.end(), h.begin());
        m_tree.append(h);
        ++expected;
    }));
    if (gap) {
        return make_error(Errc::integrity, "the audit log has a gap or a damaged leaf");
    }
    // Spot-check that stored leaves match their entries (the full check is `kinvault audit verify`).
    auto last = KV_TRY_VALUE(m_store.audit_range(std::max<std::int64_t>(0, expected - 64), 64));
    for (const auto& rec : last) {
        const crypto::Hash h = crypto::merkle_leaf_hash(
            reinterpret_cast<const std::uint8_t*>(rec.entry.data()), rec.entry.size());
        if (!std::equal(h.begin(), h.end(), rec.leaf_hash.begin(), rec.leaf_hash.end())) {
            return make_error(Errc::integrity,
                              "audit entry " + std::to_string(rec.seq) + " does not match its Merkle leaf");
        }
    }
    return {};
}

Status AuditLog::append(const AuditEvent& event, const RequestInfo& request) {
    if (m_fail) {
        return make_error(Errc::unavailable, "the audit log cannot be written; nothing was released");
    }
    json::ObjectWriter w;
    w.field("time", format_utc(m_clock.now()))
        .field("actor", event.actor)
        .field("action", event.action)
        .field("object", event.object)
        .field("case", event.case_id)
        .field("decision", event.decision)
        .field("reason", event.reason)
        .field("client", request.client_address)
        .field("agent", request.user_agent.substr(0, 200));
    if (!event.details.empty()) {
        w.raw("details", event.details);
    }
    const std::string entry = w.str();
    const crypto::Hash leaf =
        crypto::merkle_leaf_hash(reinterpret_cast<const std::uint8_t*>(entry.data()), entry.size());
    const Bytes leaf_bytes(leaf.begin(), leaf.end());
    Status st = m_store.transaction(
        [&]() -> Status {
            KV_TRY(m_store.append_audit(entry, leaf_bytes));
            return {};
        },
        [&, leaf]() {
            std::lock_guard<std::mutex> lock(m_tree_mutex);
            m_tree.append(leaf);
        });
    if (!st) {
        return make_error(Errc::unavailable, "the audit log cannot be written; nothing was released (" +
                                                 st.error().message + ")");
    }
    return {};
}

std::uint64_t AuditLog::size() const {
    std::lock_guard<std::mutex> lock(m_tree_mutex);
    return m_tree.size();
}

Result<std::string> AuditLog::signed_checkpoint(std::uint64_t tree_size) const {
    std::lock_guard<std::mutex> lock(m_tree_mutex);
    auto root = KV_TRY_VALUE(m_tree.root(tree_size));
    return m_signer.sign(crypto::Checkpoint{m_origin, tree_size, root, {}});
}

Result<std::string> AuditLog::latest_checkpoint() const {
    return signed_checkpoint(size());
}

Result<std::vector<crypto::Hash>> AuditLog::inclusion_proof(std::uint64_t index,
                                                            std::uint64_t tree_size) const {
    std::lock_guard<std::mutex> lock(m_tree_mutex);
    return m_tree.inclusion_proof(index, tree_size);
}

Result<std::vector<crypto::Hash>> AuditLog::consistency_proof(std::uint64_t first,
                                                              std::uint64_t second) const {
    std::lock_guard<std::mutex> lock(m_tree_mutex);
    return m_tree.consistency_proof(first, second);
}

Result<std::vector<storage::AuditRecord>> AuditLog::entries(std::int64_t from, std::int64_t count) const {
    return m_store.audit_range(from, count);
}

} // namespace kinvault::services
