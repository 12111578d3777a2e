// What a completed e-signing envelope means for consent (called inside the completion's transaction): an
// envelope executing an ROI activates it through the same path as a recorded paper signature, and an
// executed agreement records its process mode as an amendment going forward.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "services/audit.h"
#include "services/consent/case_facts.h"
#include "services/consent/roi_lifecycle.h"
#include "services/context.h"
#include "services/signing/envelope.h"

namespace kinvault::services {

class Signing;

class EnvelopeCompletion {
public:
    EnvelopeCompletion(storage::Store& store, AuditLog& audit, ConsentRecords& records,
                       RoiLifecycle& lifecycle, CaseFactsService& case_facts, const Clock& clock);

    [[nodiscard]] Status on_envelope_completed(const Envelope& envelope, const RequestInfo& req);
    void listen_to(Signing& signing);

private:
    // The envelope's ROI is in `snapshot`.
    [[nodiscard]] Status activate_roi(CaseSnapshot& snapshot, const Envelope& envelope, UnixTime now,
                                      const RequestInfo& req);
    [[nodiscard]] Status record_agreement(CaseSnapshot& snapshot, const Envelope& envelope,
                                          const RequestInfo& req);

    storage::Store& m_store;
    AuditLog& m_audit;
    ConsentRecords& m_records;
    RoiLifecycle& m_lifecycle;
    CaseFactsService& m_case_facts;
    const Clock& m_clock;
};

} // namespace kinvault::services
