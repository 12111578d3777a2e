#include "services/consent/rois.h"

#include "crypto/random.h"
#include "domain/roi_lifecycle.h"
#include "services/audit_actions.h"
#include "json/writer.h"

namespace kinvault::services {

namespace {

std::string draft_reason(const std::vector<domain::RoiDefect>& defects) {
    return defects.empty() ? "draft, complete" : "draft, " + domain::describe_defects(defects);
}

} // namespace

Rois::Rois(storage::Store& store, AuditLog& audit, ConsentAccess& access, ConsentRecords& records,
           const Clock& clock)
    : m_store(store), m_audit(audit), m_access(access), m_records(records), m_clock(clock) {}

Result<std::vector<RoiDetail>> Rois::list_rois(const Principal& who, const std::string& case_id,
                                               const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.case_for(who, case_id));
    const auto snap = KV_TRY_VALUE(m_access.named(access));
    std::vector<RoiDetail> out;
    for (const auto& roi : snap.facts.rois) {
        if (m_access.may_see_roi(access, roi)) {
            out.push_back(roi_detail(snap, roi, access.consent->now, m_access.policy()));
        }
    }
    KV_TRY(m_audit.append(
        {.actor = who.user_id,
         .action = audit_action::roi_list,
         .object = case_id,
         .case_id = case_id,
         .decision = "permit",
         .reason = "ROIs the requester may know of",
         .details = json::ObjectWriter().field("listed", static_cast<std::int64_t>(out.size())).str()},
        req));
    return out;
}

Result<RoiDetail> Rois::show_roi(const Principal& who, const std::string& roi_id, const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.load_visible(who, k_kind_roi, roi_id, hidden_roi()));
    const auto* roi = domain::find_roi(access.consent->snapshot.facts, roi_id);
    if (roi == nullptr || !m_access.may_see_roi(access, *roi)) {
        (void)m_audit.append({.actor = who.user_id,
                              .action = audit_action::roi_read,
                              .object = roi_id,
                              .case_id = access.case_id,
                              .decision = "deny",
                              .reason = "not entitled to know of it",
                              .details = {}},
                             req);
        return hidden_roi();
    }
    KV_TRY(m_audit.append({.actor = who.user_id,
                           .action = audit_action::roi_read,
                           .object = roi_id,
                           .case_id = access.case_id,
                           .decision = "permit",
                           .reason = {},
                           .details = {}},
                          req));
    const auto snap = KV_TRY_VALUE(m_access.named(access));
    return roi_detail(snap, *roi, access.consent->now, m_access.policy());
}

Status Rois::prepare_draft(domain::Roi& draft, const Principal& who, const std::string& case_id) const {
    const auto doc =
        KV_TRY_VALUE(m_access.document_in_case(draft.document, case_id, "document_id (the ROI's PDF)"));
    if (doc.type != domain::to_string(domain::DocType::roi)) {
        return make_error(Errc::invalid_input,
                          "document_id must be a document of type roi (upload the ROI's PDF "
                          "with --type roi)");
    }
    draft.case_id = case_id;
    draft.state = domain::RoiState::draft;
    draft.signatures.clear();
    draft.activated_at.reset();
    draft.revoked_at.reset();
    draft.revoked_by.reset();
    draft.superseded_by.reset();
    draft.suspension_reason.clear();
    draft.reviewed_at.reset();
    for (auto& r : draft.recipients) {
        r.revoked_at.reset();
        r.revoked_by.reset();
    }
    if (draft.discloser.empty()) {
        draft.discloser = who.name;
    }
    if (draft.document_sha256.empty()) {
        const auto v = KV_TRY_VALUE(m_store.version_of(doc.id, doc.current_version));
        if (v.has_value()) {
            draft.document_sha256 = v->sha256;
        }
    }
    return {};
}

Result<RoiDetail> Rois::create_roi(const Principal& who, const std::string& case_id, domain::Roi draft,
                                   const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.case_for(who, case_id));
    if (!is_clinician(access)) {
        return clinician_only("prepare an ROI");
    }
    KV_TRY(prepare_draft(draft, who, case_id));
    const UnixTime now = m_clock.now();
    draft.id = crypto::random_id("roi");
    draft.state_changed_at = now;
    CaseSnapshot snap;
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_records.put_roi(draft, now));
        snap = KV_TRY_VALUE(m_records.snapshot(access.case_record, now));
        const auto defects = domain::validate_roi(draft, snap.facts, m_access.policy());
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::roi_create,
                               .object = draft.id,
                               .case_id = case_id,
                               .decision = "ok",
                               .reason = draft_reason(defects),
                               .details = json::ObjectWriter().field("document", draft.document).str()},
                              req);
    }));
    return roi_detail(snap, draft, now, m_access.policy());
}

Result<RoiDetail> Rois::update_roi(const Principal& who, const std::string& roi_id, domain::Roi draft,
                                   const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.load_visible_roi(who, roi_id));
    if (!is_clinician(access)) {
        return clinician_only("change an ROI");
    }
    KV_TRY(prepare_draft(draft, who, access.case_id));
    const UnixTime now = m_clock.now();
    RoiDetail out;
    KV_TRY(m_store.transaction([&]() -> Status {
        const auto current = KV_TRY_VALUE(m_records.roi(roi_id));
        if (!current.has_value()) {
            return hidden_roi();
        }
        if (current->state != domain::RoiState::draft) {
            return make_error(Errc::conflict, "only a draft ROI can be changed; this one is " +
                                                  std::string(domain::to_string(current->state)) +
                                                  " (a signed ROI is never edited: a renewal is a new ROI)");
        }
        draft.id = roi_id;
        draft.state_changed_at = current->state_changed_at;
        KV_TRY(m_records.put_roi(draft, now));
        const auto snap = KV_TRY_VALUE(m_records.snapshot(access.case_record, now));
        const auto defects = domain::validate_roi(draft, snap.facts, m_access.policy());
        KV_TRY(m_audit.append({.actor = who.user_id,
                               .action = audit_action::roi_update,
                               .object = roi_id,
                               .case_id = access.case_id,
                               .decision = "ok",
                               .reason = draft_reason(defects),
                               .details = {}},
                              req));
        out = roi_detail(snap, draft, now, m_access.policy());
        return {};
    }));
    return out;
}

Result<RoiDetail> Rois::validate_roi(const Principal& who, const std::string& roi_id,
                                     const RequestInfo& req) {
    auto detail = show_roi(who, roi_id, req);
    if (!detail) {
        return detail;
    }
    (void)m_audit.append(
        {.actor = who.user_id,
         .action = audit_action::roi_validate,
         .object = roi_id,
         .case_id = detail->roi.case_id,
         .decision = "ok",
         .reason = detail->defects.empty() ? "complete" : domain::describe_defects(detail->defects),
         .details = {}},
        req);
    return detail;
}

Result<RoiDetail> Rois::export_roi(const Principal& who, const std::string& roi_id, const RequestInfo& req) {
    auto detail = show_roi(who, roi_id, req);
    if (!detail) {
        return detail;
    }
    KV_TRY(m_audit.append({.actor = who.user_id,
                           .action = audit_action::roi_export,
                           .object = roi_id,
                           .case_id = detail->roi.case_id,
                           .decision = "ok",
                           .reason = "HL7 FHIR R5 Consent",
                           .details = {}},
                          req));
    return detail;
}

} // namespace kinvault::services
