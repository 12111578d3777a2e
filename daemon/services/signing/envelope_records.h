// Where envelopes are kept: sealed records, one lock per envelope, who may see one, which signer the
// viewer is, the event trail, and expiry. Every signing use case goes through here.
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "services/audit.h"
#include "services/context.h"
#include "services/release_gate.h"
#include "services/signing/envelope.h"
#include "storage/store.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kinvault::services {

class EnvelopeRecords {
public:
    EnvelopeRecords(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit,
                    ReleaseGate& gate, const Clock& clock);

    [[nodiscard]] Result<Envelope> load(const std::string& envelope_id) const;
    [[nodiscard]] Status save(const Envelope& e);
    // Serialises the updates of one envelope (signers of a group may act at the same moment).
    [[nodiscard]] std::shared_ptr<std::mutex> lock_for(const std::string& envelope_id);
    // The envelope when the viewer is its case's clinician or (unless sender_only) one of its signers;
    // otherwise the same 404 as for an envelope that does not exist.
    [[nodiscard]] Result<Envelope> load_for(const Principal& who, const std::string& envelope_id,
                                            bool sender_only);
    // The envelopes of a case the viewer may see.
    [[nodiscard]] Result<std::vector<Envelope>> of_case(const Principal& who, const std::string& case_id);
    // The envelopes waiting for signatures (for expiry).
    [[nodiscard]] Result<std::vector<std::string>> sent_ids() const;
    // The index of the viewer's signer (through an active party of theirs).
    [[nodiscard]] Result<std::size_t> my_signer(const Principal& who, const Envelope& e) const;
    void add_event(Envelope& e, const std::string& type, const std::string& slot, const std::string& actor,
                   const RequestInfo& req, const std::string& auth, const std::string& detail = "") const;
    // Marks a sent envelope past its expiry as expired (saved and audited).
    [[nodiscard]] Status check_expiry(Envelope& e, const RequestInfo& req);

private:
    storage::Store& m_store;
    const barrier::Barrier& m_barrier;
    AuditLog& m_audit;
    ReleaseGate& m_gate;
    const Clock& m_clock;
    std::mutex m_locks_mutex;
    std::map<std::string, std::weak_ptr<std::mutex>> m_locks;
};

[[nodiscard]] Error no_such_envelope();

} // namespace kinvault::services
