#include "services/consent/on_envelope_completed.h"

#include "services/audit_actions.h"
#include "services/signing.h"

#include <algorithm>

namespace kinvault::services {

namespace {

// The envelope keeps each signer's capacity as text (services/signing/envelope.h); here it becomes the
// domain's. nullopt for the practice's own signature, which authorises nothing. Anything else unrecognised is
// an error naming the value, never a silent "self".
Result<std::optional<domain::SignerCapacity>> roi_capacity(const std::string& capacity) {
    if (capacity == "clinician") {
        return std::optional<domain::SignerCapacity>();
    }
    const auto parsed = domain::parse_signer_capacity(normalise_name(capacity));
    if (!parsed) {
        return make_error(Errc::invalid_input,
                          "the envelope names an unrecognised signer capacity: \"" + capacity + "\"");
    }
    return std::optional<domain::SignerCapacity>(*parsed);
}

// The envelope's completed signatures not yet on the ROI.
Result<std::vector<domain::RoiSignature>> new_signatures(const Envelope& e, const domain::Roi& roi,
                                                         const domain::CaseFacts& facts, UnixTime now) {
    std::vector<domain::RoiSignature> sigs;
    for (const auto& s : e.signers) {
        if (s.state != SignerState::completed) {
            continue;
        }
        const auto capacity = KV_TRY_VALUE(roi_capacity(s.capacity));
        if (!capacity) {
            continue; // the practice's own signature is not an authorisation
        }
        const bool already =
            std::any_of(roi.signatures.begin(), roi.signatures.end(),
                        [&s](const domain::RoiSignature& x) { return x.signer == s.party_id; });
        if (already) {
            continue;
        }
        domain::RoiSignature sig;
        sig.signer = s.party_id;
        sig.capacity = *capacity;
        auto authority = authority_for(facts, s.authority);
        sig.authority = authority ? *authority : domain::AuthorityRef{};
        sig.signed_at = s.signed_at != 0 ? s.signed_at : now;
        sig.evidence = e.id;
        sigs.push_back(sig);
    }
    return sigs;
}

// Failures of the vault itself abort the completion; anything else is the clinician's to resolve.
bool fatal(Errc code) {
    return code == Errc::internal || code == Errc::unavailable || code == Errc::integrity;
}

} // namespace

EnvelopeCompletion::EnvelopeCompletion(storage::Store& store, AuditLog& audit, ConsentRecords& records,
                                       RoiLifecycle& lifecycle, CaseFactsService& case_facts,
                                       const Clock& clock)
    : m_store(store), m_audit(audit), m_records(records), m_lifecycle(lifecycle), m_case_facts(case_facts),
      m_clock(clock) {}

void EnvelopeCompletion::listen_to(Signing& signing) {
    signing.on_completed(
        [this](const Envelope& e, const RequestInfo& req) { return on_envelope_completed(e, req); });
}

Status EnvelopeCompletion::on_envelope_completed(const Envelope& e, const RequestInfo& req) {
    const bool roi = !e.roi_id.empty();
    const bool agreement = e.purpose == "agreement";
    if (!roi && !agreement) {
        return {};
    }
    const auto c = KV_TRY_VALUE(m_store.case_by_id(e.case_id));
    if (!c.has_value()) {
        return {};
    }
    const UnixTime now = m_clock.now();
    auto snap = KV_TRY_VALUE(m_records.snapshot(*c, now));
    if (roi) {
        if (find_mut(snap.facts.rois, e.roi_id) == nullptr) {
            // Nothing else of this envelope is recorded: the clinician resolves it from the log.
            return m_audit.append({.actor = "system",
                                   .action = audit_action::roi_signature,
                                   .object = e.roi_id,
                                   .case_id = e.case_id,
                                   .decision = "error",
                                   .reason = "envelope " + e.id + " names an ROI that is not in this case",
                                   .details = {}},
                                  req);
        }
        KV_TRY(activate_roi(snap, e, now, req));
    }
    if (agreement) {
        KV_TRY(record_agreement(snap, e, req));
    }
    return {};
}

Status EnvelopeCompletion::activate_roi(CaseSnapshot& snap, const Envelope& e, UnixTime now,
                                        const RequestInfo& req) {
    domain::Roi* r = find_mut(snap.facts.rois, e.roi_id);
    // The PDF is signed whatever happens here; an ROI that cannot activate (rule 5) stays pending and the
    // audit log says why, for the clinician to resolve.
    auto sigs = new_signatures(e, *r, snap.facts, now);
    Status applied =
        sigs ? m_lifecycle.apply_signatures(snap, *r, *sigs, "system", req) : Status(sigs.error());
    if (applied) {
        return {};
    }
    if (fatal(applied.error().code)) {
        return applied;
    }
    return m_audit.append(
        {.actor = "system",
         .action = audit_action::roi_signature,
         .object = e.roi_id,
         .case_id = e.case_id,
         .decision = "error",
         .reason = "envelope " + e.id + " executed, but the ROI did not activate: " + applied.error().message,
         .details = {}},
        req);
}

Status EnvelopeCompletion::record_agreement(CaseSnapshot& snap, const Envelope& e, const RequestInfo& req) {
    AgreementInput input;
    input.document_id = e.document_id;
    if (!e.process_mode.empty()) {
        input.mode = domain::parse_process_mode(normalise_name(e.process_mode));
    }
    auto rec = m_case_facts.apply_agreement(snap, input, "system", req);
    if (rec) {
        return {};
    }
    if (fatal(rec.error().code)) {
        return std::move(rec).error();
    }
    return m_audit.append({.actor = "system",
                           .action = audit_action::agreement_record,
                           .object = e.document_id,
                           .case_id = e.case_id,
                           .decision = "error",
                           .reason = "envelope " + e.id +
                                     " executed, but the agreement was not recorded: " + rec.error().message,
                           .details = {}},
                          req);
}

} // namespace kinvault::services
