#include "services/consent/roi_lifecycle.h"

#include "domain/party.h"
#include "domain/roi_lifecycle.h"
#include "services/audit_actions.h"
#include "json/writer.h"

namespace kinvault::services {

RoiLifecycle::RoiLifecycle(storage::Store& store, AuditLog& audit, ConsentAccess& access,
                           ConsentRecords& records, const Clock& clock)
    : m_store(store), m_audit(audit), m_access(access), m_records(records), m_clock(clock) {}

// Both ways of signing an ROI end here: a paper ROI recorded by the clinician and an e-signed envelope. All
// signatures are checked before anything is written, so a refused one leaves the ROI as it was.
Status RoiLifecycle::apply_signatures(CaseSnapshot& snapshot, domain::Roi& roi,
                                      const std::vector<domain::RoiSignature>& signatures,
                                      const std::string& actor, const RequestInfo& req) {
    const auto& policy = m_access.policy();
    const UnixTime now = m_clock.now();
    domain::Roi work = roi;
    if (work.state == domain::RoiState::draft) {
        KV_TRY(domain::send_roi_for_signature(work, snapshot.facts, now, policy));
    }
    std::vector<domain::RoiState> states;
    for (const auto& sig : signatures) {
        states.push_back(KV_TRY_VALUE(domain::record_roi_signature(work, sig, snapshot.facts, policy)));
    }
    roi = std::move(work);
    for (std::size_t i = 0; i < signatures.size(); ++i) {
        const auto& sig = signatures[i];
        json::ObjectWriter details;
        details.field("signer", sig.signer)
            .field("capacity", domain::to_string(sig.capacity))
            .field("authority", sig.authority.id)
            .field("evidence", sig.evidence)
            .field("state", domain::to_string(states[i]));
        KV_TRY(m_audit.append(
            {.actor = actor,
             .action = audit_action::roi_signature,
             .object = roi.id,
             .case_id = roi.case_id,
             .decision = "ok",
             .reason = "signature recorded; the ROI is " + std::string(domain::to_string(states[i])),
             .details = details.str()},
            req));
    }
    return m_records.put_roi(roi, now);
}

// Rule 8 / rule 10: active ROIs whose signer lost the authority they signed with are suspended pending
// review.
Status RoiLifecycle::suspend_lapsed(CaseSnapshot& snapshot, const std::string& actor,
                                    const RequestInfo& req) {
    const UnixTime now = m_clock.now();
    for (const auto& review : domain::rois_needing_review(snapshot.facts, now, m_access.policy())) {
        domain::Roi* roi = find_mut(snapshot.facts.rois, review.roi);
        if (roi == nullptr || roi->state != domain::RoiState::active) {
            continue;
        }
        KV_TRY(domain::suspend_roi(*roi, review.explanation, now));
        KV_TRY(m_records.put_roi(*roi, now));
        KV_TRY(m_audit.append(
            {.actor = actor,
             .action = audit_action::roi_suspend,
             .object = roi->id,
             .case_id = roi->case_id,
             .decision = "ok",
             .reason = review.explanation,
             .details = json::ObjectWriter().field("reason", domain::to_string(review.reason)).str()},
            req));
    }
    return {};
}

Result<RoiDetail> RoiLifecycle::record_signature(const Principal& who, const std::string& roi_id,
                                                 const SignatureInput& input, const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.load_visible_roi(who, roi_id));
    if (!is_clinician(access)) {
        return clinician_only("record a signed paper ROI");
    }
    const UnixTime now = m_clock.now();
    if (input.signed_at && *input.signed_at > now) {
        return make_error(Errc::invalid_input, "signed_at lies in the future");
    }
    if (!input.evidence.empty()) {
        KV_TRY(
            m_access.document_in_case(input.evidence, access.case_id, "evidence (the scanned signed ROI)"));
    }
    RoiDetail out;
    KV_TRY(m_store.transaction([&]() -> Status {
        auto snap = KV_TRY_VALUE(m_records.snapshot(access.case_record, now));
        domain::Roi* roi = find_mut(snap.facts.rois, roi_id);
        if (roi == nullptr) {
            return hidden_roi();
        }
        if (domain::find_party(snap.facts, input.signer) == nullptr) {
            return make_error(Errc::invalid_input, "the signer must be a party of this case");
        }
        domain::RoiSignature sig;
        sig.signer = input.signer;
        sig.capacity = input.capacity;
        sig.authority = KV_TRY_VALUE(authority_for(snap.facts, input.authority));
        sig.signed_at = input.signed_at.value_or(now);
        sig.evidence = input.evidence.empty() ? roi->document : input.evidence;
        KV_TRY(apply_signatures(snap, *roi, {sig}, who.user_id, req));
        out = roi_detail(snap, *roi, now, m_access.policy());
        return {};
    }));
    return out;
}

Result<std::string> RoiLifecycle::revoker(const CaseAccess& access, const domain::Roi& roi,
                                          const RevokeInput& input, UnixTime now) const {
    if (input.by) {
        if (!is_clinician(access) && !contains(access.consent->requester.parties, *input.by)) {
            return make_error(Errc::forbidden, "You can revoke only in your own name.");
        }
        return *input.by;
    }
    if (is_clinician(access)) {
        return make_error(Errc::invalid_input, "name the party whose revocation you are recording (by)");
    }
    for (const auto& mine : access.consent->requester.parties) {
        if (domain::may_revoke(roi, mine, access.consent->snapshot.facts, now, m_access.policy())) {
            return mine;
        }
    }
    return make_error(Errc::forbidden, "You are not someone who may revoke this ROI (rule 7).");
}

Result<RoiDetail> RoiLifecycle::revoke_roi(const Principal& who, const std::string& roi_id,
                                           const RevokeInput& input, const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.load_visible_roi(who, roi_id));
    const UnixTime now = m_clock.now();
    const auto* visible = domain::find_roi(access.consent->snapshot.facts, roi_id); // found: load_visible_roi
    const std::string by = KV_TRY_VALUE(revoker(access, *visible, input, now));
    RoiDetail out;
    KV_TRY(m_store.transaction([&]() -> Status {
        auto snap = KV_TRY_VALUE(m_records.snapshot(access.case_record, now));
        domain::Roi* roi = find_mut(snap.facts.rois, roi_id);
        if (roi == nullptr) {
            return hidden_roi();
        }
        Status revoked = domain::revoke_roi(*roi, domain::Revocation{by, now, input.recipient}, snap.facts,
                                            m_access.policy());
        if (!revoked) {
            Error e = std::move(revoked).error();
            if (e.code == Errc::not_found) {
                e.code = Errc::invalid_input; // a recipient the ROI does not name: the ROI itself exists
            }
            return e;
        }
        KV_TRY(m_records.put_roi(*roi, now));
        json::ObjectWriter details;
        details.field("by", by)
            .field("recipient", input.recipient.value_or(""))
            .field("state", domain::to_string(roi->state));
        KV_TRY(m_audit.append(
            {.actor = who.user_id,
             .action = audit_action::roi_revoke,
             .object = roi_id,
             .case_id = roi->case_id,
             .decision = "ok",
             .reason = input.recipient ? "revoked for one recipient (rule 7)" : "revoked (rule 7)",
             .details = details.str()},
            req));
        if (m_on_revocation) {
            KV_TRY(m_on_revocation(roi->case_id, roi_id));
        }
        out = roi_detail(snap, *roi, now, m_access.policy());
        return {};
    }));
    return out;
}

Result<RoiDetail> RoiLifecycle::reinstate_roi(const Principal& who, const std::string& roi_id,
                                              const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.load_visible_roi(who, roi_id));
    if (!is_clinician(access)) {
        return clinician_only("reinstate a suspended ROI");
    }
    const UnixTime now = m_clock.now();
    RoiDetail out;
    KV_TRY(m_store.transaction([&]() -> Status {
        auto snap = KV_TRY_VALUE(m_records.snapshot(access.case_record, now));
        domain::Roi* roi = find_mut(snap.facts.rois, roi_id);
        if (roi == nullptr) {
            return hidden_roi();
        }
        KV_TRY(domain::reinstate_roi(*roi, snap.facts, now, m_access.policy()));
        KV_TRY(m_records.put_roi(*roi, now));
        KV_TRY(m_audit.append({.actor = who.user_id,
                               .action = audit_action::roi_reinstate,
                               .object = roi_id,
                               .case_id = roi->case_id,
                               .decision = "ok",
                               .reason = "clinician review done (rule 8)",
                               .details = {}},
                              req));
        out = roi_detail(snap, *roi, now, m_access.policy());
        return {};
    }));
    return out;
}

} // namespace kinvault::services
