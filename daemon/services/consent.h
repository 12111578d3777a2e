// The consent workflow (issue 3), one class per group of use cases under services/consent/:
//   access.h                 may this principal know of this case, ROI, document (the shared look-ups)
//   rois.h                   list, show, draft, validate and export ROIs
//   roi_lifecycle.h          sign (paper), revoke, suspend and reinstate ROIs
//   orders.h, order_terms.h  court orders and the terms a clinician types
//   letters.h                clarification letters
//   case_facts.h             party facts, document classification, executed agreements
//   reports.h                readiness, explanations, the accounting of disclosures
//   on_envelope_completed.h  what a completed e-signing envelope means for consent
//   records.h, codec.h, fhir.h  the sealed records, their JSON, the FHIR export
// Every use case assembles the case's facts from storage for that request (through the release gate, the
// one decision point), changes records inside one transaction with its audit entry, and answers "no such
// ..." for anything the caller may not see (domain.md rule 11). ConsentServices builds them all over one
// store, audit log, gate and clock.
#pragma once

#include "services/consent/access.h"
#include "services/consent/case_facts.h"
#include "services/consent/letters.h"
#include "services/consent/on_envelope_completed.h"
#include "services/consent/orders.h"
#include "services/consent/reports.h"
#include "services/consent/roi_lifecycle.h"
#include "services/consent/rois.h"

namespace kinvault::services {

struct ConsentServices {
    ConsentServices(storage::Store& store, AuditLog& audit, ReleaseGate& gate, const Clock& clock)
        : access(gate), rois(store, audit, access, gate.records(), clock),
          roi_lifecycle(store, audit, access, gate.records(), clock),
          orders(store, audit, access, gate.records(), roi_lifecycle, clock),
          letters(store, audit, access, gate.records(), clock),
          case_facts(store, audit, access, gate.records(), clock),
          reports(store, audit, access, gate.records()),
          envelope_completion(store, audit, gate.records(), roi_lifecycle, case_facts, clock) {}
    ConsentServices(const ConsentServices&) = delete;
    ConsentServices& operator=(const ConsentServices&) = delete;

    // The wiring app/runtime does: who hears of a revocation, and whose completed envelopes to act on.
    void on_revocation(RoiLifecycle::RevocationNotice notice) {
        roi_lifecycle.on_revocation(std::move(notice));
    }
    void listen_to(Signing& signing) { envelope_completion.listen_to(signing); }

    ConsentAccess access;
    Rois rois;
    RoiLifecycle roi_lifecycle;
    Orders orders;
    Letters letters;
    CaseFactsService case_facts;
    Reports reports;
    EnvelopeCompletion envelope_completion;
};

} // namespace kinvault::services
