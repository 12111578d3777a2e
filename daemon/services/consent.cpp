#include "services/consent.h"

#include "crypto/random.h"
#include "domain/authority.h"
#include "domain/party.h"
#include "domain/roi_lifecycle.h"
#include "services/consent_terms.h"
#include "services/json_text.h"

#include <algorithm>

namespace kinvault::services {

namespace {

const Error& hidden_roi() {
    static const Error e = make_error(Errc::not_found, "No such ROI.");
    return e;
}
const Error& hidden_order() {
    static const Error e = make_error(Errc::not_found, "No such court order.");
    return e;
}
const Error& hidden_letter() {
    static const Error e = make_error(Errc::not_found, "No such letter.");
    return e;
}
const Error& hidden_document() {
    static const Error e = make_error(Errc::not_found, "No such document.");
    return e;
}
const Error& hidden_party() {
    static const Error e = make_error(Errc::not_found, "No such party.");
    return e;
}

Error clinician_only(const std::string& what) {
    return make_error(Errc::forbidden, "Only the case's clinician can " + what + ".");
}

template <typename T>
T* find_mut(std::vector<T>& items, const std::string& id) {
    for (auto& i : items) {
        if (i.id == id) {
            return &i;
        }
    }
    return nullptr;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

void name(PartyNames& names, const CaseSnapshot& s, const std::string& id) {
    if (!id.empty()) {
        names[id] = party_name(s, id);
    }
}

bool is_clinician(const CaseAccess& access) {
    return access.consent && access.consent->context.requester_is_clinician();
}

// Every party id an order mentions must be a party of the case.
Status check_order_parties(const domain::CourtOrder& o, const domain::CaseFacts& facts) {
    std::vector<std::string> unknown;
    const auto check = [&](const std::vector<std::string>& ids) {
        for (const auto& id : ids) {
            if (domain::find_party(facts, id) == nullptr && !contains(unknown, id)) {
                unknown.push_back(id);
            }
        }
    };
    for (const auto& c : o.custody) {
        check(c.holders);
        check(c.children);
    }
    for (const auto& m : o.mutual_consent) {
        check(m.children);
    }
    for (const auto& r : o.restrictions) {
        check(r.barred_parties);
        check(r.about);
    }
    for (const auto& p : o.protective) {
        check(p.restrained);
        check(p.protected_parties);
    }
    for (const auto& c : o.compels) {
        check(c.recipients);
    }
    if (unknown.empty()) {
        return {};
    }
    std::string list;
    for (const auto& u : unknown) {
        list += (list.empty() ? "" : ", ") + u;
    }
    return make_error(Errc::invalid_input, "the order names parties that are not in this case: " + list);
}

std::string order_title(const domain::CourtOrder& o) {
    std::string t = o.kind == domain::OrderKind::support_plan ? "Support plan" : "Court order";
    if (!o.case_number.empty()) {
        t += " " + o.case_number;
    }
    if (!o.court.empty()) {
        t += " (" + o.court + ")";
    }
    return t;
}

} // namespace

struct Consent::Loaded {
    CaseAccess access;
};

Consent::Consent(storage::Store& store, AuditLog& audit, ReleaseGate& gate, const Clock& clock)
    : m_store(store), m_audit(audit), m_gate(gate), m_records(gate.records()), m_clock(clock) {}

void Consent::listen_to(Signing& signing) {
    signing.on_completed(
        [this](const Envelope& e, const RequestInfo& req) { return on_envelope_completed(e, req); });
}

// ------------------------------------------------------------------------------------------------ helpers

Result<CaseAccess> Consent::case_for(const Principal& who, const std::string& case_id) {
    return m_gate.case_access(who, case_id);
}

Result<CaseSnapshot> Consent::named(const CaseAccess& access) const {
    CaseSnapshot s = access.consent->snapshot;
    KV_TRY(m_records.name_parties(s.facts, s.party_rows));
    return s;
}

Result<Consent::Loaded> Consent::load_visible(const Principal& who, const char* kind, const std::string& id,
                                              const Error& hidden) {
    auto row = m_store.record(kind, id);
    if (!row) {
        return std::move(row).error();
    }
    if (!row->has_value()) {
        return hidden;
    }
    auto access = case_for(who, (*row)->case_id);
    if (!access) {
        return access.error().code == Errc::not_found ? hidden : std::move(access).error();
    }
    return Loaded{std::move(access).value()};
}

bool Consent::may_read_document(const CaseAccess& access, const std::string& document_id) const {
    auto d = m_store.document_by_id(document_id);
    if (!d || !d->has_value()) {
        return false;
    }
    return m_gate.decide(access, **d, AccessAction::read).permit;
}

// Signers, the subject and whoever may revoke it know the ROI; anyone else only when its document would be
// released to them.
bool Consent::may_see_roi(const CaseAccess& access, const domain::Roi& roi) const {
    if (is_clinician(access)) {
        return true;
    }
    const auto& consent = *access.consent;
    for (const auto& mine : consent.requester.parties) {
        if (roi.subject == mine) {
            return true;
        }
        for (const auto& s : roi.signatures) {
            if (s.signer == mine) {
                return true;
            }
        }
        if (domain::may_revoke(roi, mine, consent.snapshot.facts, consent.now, m_gate.policy())) {
            return true;
        }
    }
    return !roi.document.empty() && may_read_document(access, roi.document);
}

RoiDetail Consent::roi_detail(const CaseSnapshot& snapshot, const domain::Roi& roi, UnixTime now) const {
    RoiDetail d;
    d.roi = roi;
    const auto& policy = m_gate.policy();
    d.ends_at = domain::roi_end(roi, snapshot.facts, policy);
    d.defects = domain::validate_roi(roi, snapshot.facts, policy);
    const auto check = domain::check_authorisation(roi, snapshot.facts, now, policy);
    d.authorisation = check.explanation;
    d.in_force = roi.state == domain::RoiState::active && (!d.ends_at || *d.ends_at > now) &&
                 (!roi.valid_from || *roi.valid_from <= now) && check.satisfied &&
                 check.lost_authority.empty() && !check.subject_now_adult && d.defects.empty();
    name(d.names, snapshot, roi.subject);
    for (const auto& r : roi.recipients) {
        name(d.names, snapshot, r.party);
        if (r.revoked_by) {
            name(d.names, snapshot, *r.revoked_by);
        }
    }
    for (const auto& s : roi.signatures) {
        name(d.names, snapshot, s.signer);
    }
    if (roi.revoked_by) {
        name(d.names, snapshot, *roi.revoked_by);
    }
    return d;
}

OrderDetail Consent::order_detail(const CaseSnapshot& snapshot, const domain::CourtOrder& order) const {
    OrderDetail d;
    d.order = order;
    d.title = order_title(order);
    const auto all = [&](const std::vector<std::string>& ids) {
        for (const auto& id : ids) {
            name(d.names, snapshot, id);
        }
    };
    for (const auto& c : order.custody) {
        all(c.holders);
        all(c.children);
    }
    for (const auto& m : order.mutual_consent) {
        all(m.children);
    }
    for (const auto& r : order.restrictions) {
        all(r.barred_parties);
        all(r.about);
    }
    for (const auto& p : order.protective) {
        all(p.restrained);
        all(p.protected_parties);
    }
    for (const auto& c : order.compels) {
        all(c.recipients);
    }
    return d;
}

LetterDetail Consent::letter_detail(const CaseSnapshot& snapshot, const LetterRecord& letter) const {
    LetterDetail d;
    d.letter = letter;
    name(d.names, snapshot, letter.letter.author);
    name(d.names, snapshot, letter.letter.child);
    for (const auto& t : letter.letter.release_targets) {
        name(d.names, snapshot, t);
    }
    return d;
}

Result<domain::AuthorityRef> Consent::authority_for(const domain::CaseFacts& facts,
                                                    const std::string& id) const {
    if (id.empty()) {
        return domain::AuthorityRef{};
    }
    if (domain::find_order(facts, id) != nullptr) {
        return domain::AuthorityRef{domain::AuthorityKind::court_order, id};
    }
    for (const auto& c : facts.custody_records) {
        if (c.id == id) {
            return domain::AuthorityRef{domain::AuthorityKind::custody_record, id};
        }
    }
    return make_error(Errc::invalid_input,
                      "the authority " + id + " is neither a court order nor a custody record of this case");
}

Result<storage::DocumentRecord> Consent::document_in_case(const std::string& document_id,
                                                          const std::string& case_id,
                                                          const std::string& what) const {
    if (document_id.empty()) {
        return make_error(Errc::invalid_input, what + " is required (a document id)");
    }
    auto d = m_store.document_by_id(document_id);
    if (!d) {
        return std::move(d).error();
    }
    if (!d->has_value() || (*d)->case_id != case_id) {
        return make_error(Errc::invalid_input, what + " must be a document of this case");
    }
    return **d;
}

// Both ways of signing an ROI end here: a paper ROI recorded by the clinician and an e-signed envelope. All
// signatures are checked before anything is written, so a refused one leaves the ROI as it was.
Status Consent::apply_signatures(CaseSnapshot& snapshot, domain::Roi& roi,
                                 const std::vector<domain::RoiSignature>& signatures,
                                 const std::string& actor, const RequestInfo& req) {
    const auto& policy = m_gate.policy();
    const UnixTime now = m_clock.now();
    domain::Roi work = roi;
    if (work.state == domain::RoiState::draft) {
        KV_TRY(domain::send_roi_for_signature(work, snapshot.facts, now, policy));
    }
    std::vector<domain::RoiState> states;
    for (const auto& sig : signatures) {
        auto state = domain::record_roi_signature(work, sig, snapshot.facts, policy);
        if (!state) {
            return std::move(state).error();
        }
        states.push_back(*state);
    }
    roi = std::move(work);
    for (std::size_t i = 0; i < signatures.size(); ++i) {
        const auto& sig = signatures[i];
        JsonObjectWriter details;
        details.field("signer", sig.signer)
            .field("capacity", domain::to_string(sig.capacity))
            .field("authority", sig.authority.id)
            .field("evidence", sig.evidence)
            .field("state", domain::to_string(states[i]));
        KV_TRY(m_audit.append({actor, "roi.signature", roi.id, roi.case_id, "ok",
                               "signature recorded; the ROI is " + std::string(domain::to_string(states[i])),
                               details.str()},
                              req));
    }
    return m_records.put_roi(roi, now);
}

// Rule 8 / rule 10: active ROIs whose signer lost the authority they signed with are suspended pending
// review.
Status Consent::suspend_lapsed(CaseSnapshot& snapshot, const std::string& actor, const RequestInfo& req) {
    const UnixTime now = m_clock.now();
    for (const auto& review : domain::rois_needing_review(snapshot.facts, now, m_gate.policy())) {
        domain::Roi* roi = find_mut(snapshot.facts.rois, review.roi);
        if (roi == nullptr || roi->state != domain::RoiState::active) {
            continue;
        }
        KV_TRY(domain::suspend_roi(*roi, review.explanation, now));
        KV_TRY(m_records.put_roi(*roi, now));
        KV_TRY(m_audit.append({actor, "roi.suspend", roi->id, roi->case_id, "ok", review.explanation,
                               JsonObjectWriter().field("reason", domain::to_string(review.reason)).str()},
                              req));
    }
    return {};
}

// ------------------------------------------------------------------------------------------------------ ROIs

Result<std::vector<RoiDetail>> Consent::list_rois(const Principal& who, const std::string& case_id,
                                                  const RequestInfo& req) {
    auto access = case_for(who, case_id);
    if (!access) {
        return std::move(access).error();
    }
    auto named_snap = named(*access);
    if (!named_snap) {
        return std::move(named_snap).error();
    }
    const auto& snap = *named_snap;
    std::vector<RoiDetail> out;
    for (const auto& roi : snap.facts.rois) {
        if (may_see_roi(*access, roi)) {
            out.push_back(roi_detail(snap, roi, access->consent->now));
        }
    }
    KV_TRY(
        m_audit.append({who.user_id, "roi.list", case_id, case_id, "permit", "ROIs the requester may know of",
                        JsonObjectWriter().field("listed", static_cast<std::int64_t>(out.size())).str()},
                       req));
    return out;
}

Result<RoiDetail> Consent::show_roi(const Principal& who, const std::string& roi_id, const RequestInfo& req) {
    auto loaded = load_visible(who, k_kind_roi, roi_id, hidden_roi());
    if (!loaded) {
        return std::move(loaded).error();
    }
    const auto& access = loaded->access;
    const auto* roi = domain::find_roi(access.consent->snapshot.facts, roi_id);
    if (roi == nullptr || !may_see_roi(access, *roi)) {
        (void)m_audit.append(
            {who.user_id, "roi.read", roi_id, access.case_id, "deny", "not entitled to know of it", ""}, req);
        return hidden_roi();
    }
    KV_TRY(m_audit.append({who.user_id, "roi.read", roi_id, access.case_id, "permit", "", ""}, req));
    auto snap = named(access);
    if (!snap) {
        return std::move(snap).error();
    }
    return roi_detail(*snap, *roi, access.consent->now);
}

Status Consent::prepare_draft(domain::Roi& draft, const Principal& who, const std::string& case_id) const {
    auto doc = document_in_case(draft.document, case_id, "document_id (the ROI's PDF)");
    if (!doc) {
        return std::move(doc).error();
    }
    if (doc->type != domain::to_string(domain::DocType::roi)) {
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
        auto v = m_store.version_of(doc->id, doc->current_version);
        if (!v) {
            return std::move(v).error();
        }
        if (v->has_value()) {
            draft.document_sha256 = (*v)->sha256;
        }
    }
    return {};
}

Result<RoiDetail> Consent::create_roi(const Principal& who, const std::string& case_id, domain::Roi draft,
                                      const RequestInfo& req) {
    auto access = case_for(who, case_id);
    if (!access) {
        return std::move(access).error();
    }
    if (!is_clinician(*access)) {
        return clinician_only("prepare an ROI");
    }
    KV_TRY(prepare_draft(draft, who, case_id));
    const UnixTime now = m_clock.now();
    draft.id = crypto::random_id("roi");
    draft.state_changed_at = now;
    CaseSnapshot snap;
    Status st = m_store.transaction([&]() -> Status {
        KV_TRY(m_records.put_roi(draft, now));
        auto s = m_records.snapshot(access->case_record, now);
        if (!s) {
            return std::move(s).error();
        }
        snap = std::move(s).value();
        const auto defects = domain::validate_roi(draft, snap.facts, m_gate.policy());
        return m_audit.append(
            {who.user_id, "roi.create", draft.id, case_id, "ok",
             defects.empty() ? "draft, complete" : "draft, " + domain::describe_defects(defects),
             JsonObjectWriter().field("document", draft.document).str()},
            req);
    });
    if (!st) {
        return std::move(st).error();
    }
    return roi_detail(snap, draft, now);
}

Result<RoiDetail> Consent::update_roi(const Principal& who, const std::string& roi_id, domain::Roi draft,
                                      const RequestInfo& req) {
    auto loaded = load_visible(who, k_kind_roi, roi_id, hidden_roi());
    if (!loaded) {
        return std::move(loaded).error();
    }
    const auto& access = loaded->access;
    const auto* visible = domain::find_roi(access.consent->snapshot.facts, roi_id);
    if (visible == nullptr || !may_see_roi(access, *visible)) {
        return hidden_roi();
    }
    if (!is_clinician(access)) {
        return clinician_only("change an ROI");
    }
    KV_TRY(prepare_draft(draft, who, access.case_id));
    const UnixTime now = m_clock.now();
    RoiDetail out;
    Status st = m_store.transaction([&]() -> Status {
        auto current = m_records.roi(roi_id);
        if (!current) {
            return std::move(current).error();
        }
        if (!current->has_value()) {
            return hidden_roi();
        }
        if ((*current)->state != domain::RoiState::draft) {
            return make_error(Errc::conflict, "only a draft ROI can be changed; this one is " +
                                                  std::string(domain::to_string((*current)->state)) +
                                                  " (a signed ROI is never edited: a renewal is a new ROI)");
        }
        draft.id = roi_id;
        draft.state_changed_at = (*current)->state_changed_at;
        KV_TRY(m_records.put_roi(draft, now));
        auto snap = m_records.snapshot(access.case_record, now);
        if (!snap) {
            return std::move(snap).error();
        }
        const auto defects = domain::validate_roi(draft, snap->facts, m_gate.policy());
        KV_TRY(m_audit.append(
            {who.user_id, "roi.update", roi_id, access.case_id, "ok",
             defects.empty() ? "draft, complete" : "draft, " + domain::describe_defects(defects), ""},
            req));
        out = roi_detail(*snap, draft, now);
        return {};
    });
    if (!st) {
        return std::move(st).error();
    }
    return out;
}

Result<RoiDetail> Consent::validate_roi(const Principal& who, const std::string& roi_id,
                                        const RequestInfo& req) {
    auto detail = show_roi(who, roi_id, req);
    if (!detail) {
        return detail;
    }
    (void)m_audit.append({who.user_id, "roi.validate", roi_id, detail->roi.case_id, "ok",
                          detail->defects.empty() ? "complete" : domain::describe_defects(detail->defects),
                          ""},
                         req);
    return detail;
}

Result<RoiDetail> Consent::record_signature(const Principal& who, const std::string& roi_id,
                                            const SignatureInput& input, const RequestInfo& req) {
    auto loaded = load_visible(who, k_kind_roi, roi_id, hidden_roi());
    if (!loaded) {
        return std::move(loaded).error();
    }
    const auto& access = loaded->access;
    const auto* visible = domain::find_roi(access.consent->snapshot.facts, roi_id);
    if (visible == nullptr || !may_see_roi(access, *visible)) {
        return hidden_roi();
    }
    if (!is_clinician(access)) {
        return clinician_only("record a signed paper ROI");
    }
    const UnixTime now = m_clock.now();
    if (input.signed_at && *input.signed_at > now) {
        return make_error(Errc::invalid_input, "signed_at lies in the future");
    }
    if (!input.evidence.empty()) {
        auto ev = document_in_case(input.evidence, access.case_id, "evidence (the scanned signed ROI)");
        if (!ev) {
            return std::move(ev).error();
        }
    }
    RoiDetail out;
    Status st = m_store.transaction([&]() -> Status {
        auto snap = m_records.snapshot(access.case_record, now);
        if (!snap) {
            return std::move(snap).error();
        }
        domain::Roi* roi = find_mut(snap->facts.rois, roi_id);
        if (roi == nullptr) {
            return hidden_roi();
        }
        if (domain::find_party(snap->facts, input.signer) == nullptr) {
            return make_error(Errc::invalid_input, "the signer must be a party of this case");
        }
        auto authority = authority_for(snap->facts, input.authority);
        if (!authority) {
            return std::move(authority).error();
        }
        domain::RoiSignature sig;
        sig.signer = input.signer;
        sig.capacity = input.capacity;
        sig.authority = *authority;
        sig.signed_at = input.signed_at.value_or(now);
        sig.evidence = input.evidence.empty() ? roi->document : input.evidence;
        KV_TRY(apply_signatures(*snap, *roi, {sig}, who.user_id, req));
        out = roi_detail(*snap, *roi, now);
        return {};
    });
    if (!st) {
        return std::move(st).error();
    }
    return out;
}

Result<RoiDetail> Consent::revoke_roi(const Principal& who, const std::string& roi_id,
                                      const RevokeInput& input, const RequestInfo& req) {
    auto loaded = load_visible(who, k_kind_roi, roi_id, hidden_roi());
    if (!loaded) {
        return std::move(loaded).error();
    }
    const auto& access = loaded->access;
    const auto* visible = domain::find_roi(access.consent->snapshot.facts, roi_id);
    if (visible == nullptr || !may_see_roi(access, *visible)) {
        return hidden_roi();
    }
    const UnixTime now = m_clock.now();
    const auto& policy = m_gate.policy();
    // Who revokes: the party named (the clinician records a revocation received on paper), or the requester's
    // own party that may revoke (rule 7).
    std::string by;
    if (input.by) {
        by = *input.by;
        if (!is_clinician(access) && !contains(access.consent->requester.parties, by)) {
            return make_error(Errc::forbidden, "You can revoke only in your own name.");
        }
    } else if (is_clinician(access)) {
        return make_error(Errc::invalid_input, "name the party whose revocation you are recording (by)");
    } else {
        for (const auto& mine : access.consent->requester.parties) {
            if (domain::may_revoke(*visible, mine, access.consent->snapshot.facts, now, policy)) {
                by = mine;
                break;
            }
        }
        if (by.empty()) {
            return make_error(Errc::forbidden, "You are not someone who may revoke this ROI (rule 7).");
        }
    }
    RoiDetail out;
    Status st = m_store.transaction([&]() -> Status {
        auto snap = m_records.snapshot(access.case_record, now);
        if (!snap) {
            return std::move(snap).error();
        }
        domain::Roi* roi = find_mut(snap->facts.rois, roi_id);
        if (roi == nullptr) {
            return hidden_roi();
        }
        Status revoked =
            domain::revoke_roi(*roi, domain::Revocation{by, now, input.recipient}, snap->facts, policy);
        if (!revoked) {
            Error e = std::move(revoked).error();
            if (e.code == Errc::not_found) {
                e.code = Errc::invalid_input; // a recipient the ROI does not name: the ROI itself exists
            }
            return e;
        }
        KV_TRY(m_records.put_roi(*roi, now));
        JsonObjectWriter details;
        details.field("by", by)
            .field("recipient", input.recipient.value_or(""))
            .field("state", domain::to_string(roi->state));
        KV_TRY(m_audit.append({who.user_id, "roi.revoke", roi_id, roi->case_id, "ok",
                               input.recipient ? "revoked for one recipient (rule 7)" : "revoked (rule 7)",
                               details.str()},
                              req));
        if (m_on_revocation) {
            KV_TRY(m_on_revocation(roi->case_id, roi_id));
        }
        out = roi_detail(*snap, *roi, now);
        return {};
    });
    if (!st) {
        return std::move(st).error();
    }
    return out;
}

Result<RoiDetail> Consent::reinstate_roi(const Principal& who, const std::string& roi_id,
                                         const RequestInfo& req) {
    auto loaded = load_visible(who, k_kind_roi, roi_id, hidden_roi());
    if (!loaded) {
        return std::move(loaded).error();
    }
    const auto& access = loaded->access;
    const auto* visible = domain::find_roi(access.consent->snapshot.facts, roi_id);
    if (visible == nullptr || !may_see_roi(access, *visible)) {
        return hidden_roi();
    }
    if (!is_clinician(access)) {
        return clinician_only("reinstate a suspended ROI");
    }
    const UnixTime now = m_clock.now();
    RoiDetail out;
    Status st = m_store.transaction([&]() -> Status {
        auto snap = m_records.snapshot(access.case_record, now);
        if (!snap) {
            return std::move(snap).error();
        }
        domain::Roi* roi = find_mut(snap->facts.rois, roi_id);
        if (roi == nullptr) {
            return hidden_roi();
        }
        KV_TRY(domain::reinstate_roi(*roi, snap->facts, now, m_gate.policy()));
        KV_TRY(m_records.put_roi(*roi, now));
        KV_TRY(m_audit.append(
            {who.user_id, "roi.reinstate", roi_id, roi->case_id, "ok", "clinician review done (rule 8)", ""},
            req));
        out = roi_detail(*snap, *roi, now);
        return {};
    });
    if (!st) {
        return std::move(st).error();
    }
    return out;
}

Result<RoiDetail> Consent::export_roi(const Principal& who, const std::string& roi_id,
                                      const RequestInfo& req) {
    auto detail = show_roi(who, roi_id, req);
    if (!detail) {
        return detail;
    }
    KV_TRY(m_audit.append(
        {who.user_id, "roi.export", roi_id, detail->roi.case_id, "ok", "HL7 FHIR R5 Consent", ""}, req));
    return detail;
}

// ---------------------------------------------------------------------------------------------- court orders

Result<OrderDetail> Consent::add_order(const Principal& who, const std::string& case_id,
                                       domain::CourtOrder draft, const std::vector<std::string>& terms,
                                       const RequestInfo& req) {
    auto access = case_for(who, case_id);
    if (!access) {
        return std::move(access).error();
    }
    if (!is_clinician(*access)) {
        return clinician_only("record a court order's terms");
    }
    auto doc = document_in_case(draft.document, case_id, "document_id (the uploaded order)");
    if (!doc) {
        return std::move(doc).error();
    }
    if (doc->type != domain::to_string(domain::DocType::court_order)) {
        return make_error(Errc::invalid_input, "document_id must be a document of type court-order");
    }
    std::vector<std::string> missing;
    if (draft.court.empty()) {
        missing.emplace_back("court");
    }
    if (draft.case_number.empty()) {
        missing.emplace_back("case_number");
    }
    if (draft.issued_at == 0) {
        missing.emplace_back("issued_at");
    }
    if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing) {
            list += (list.empty() ? "" : ", ") + m;
        }
        return make_error(Errc::invalid_input, "the order's provenance is incomplete: missing " + list);
    }
    if (draft.effective_at == 0) {
        draft.effective_at = draft.issued_at;
    }
    if (draft.expires_at && *draft.expires_at <= draft.effective_at) {
        return make_error(Errc::invalid_input, "expires_at must come after effective_at");
    }
    auto snap = named(*access);
    if (!snap) {
        return std::move(snap).error();
    }
    const auto& facts = snap->facts;
    KV_TRY(apply_order_terms(draft, terms, facts));
    KV_TRY(check_order_parties(draft, facts));
    for (const auto& s : draft.supersedes) {
        if (domain::find_order(facts, s.order) == nullptr) {
            return make_error(Errc::invalid_input,
                              "supersedes names " + s.order + ", which is not an order of this case");
        }
    }
    const UnixTime now = m_clock.now();
    draft.id = crypto::random_id("ord");
    draft.case_id = case_id;
    draft.status = domain::OrderStatus::received;
    draft.status_changed_at = now;
    draft.verified_by.reset();
    draft.verified_at.reset();
    auto v = m_store.version_of(doc->id, doc->current_version);
    if (!v) {
        return std::move(v).error();
    }
    if (v->has_value()) {
        draft.document_sha256 = (*v)->sha256; // provenance: what was read is this exact file
    }
    Status st = m_store.transaction([&]() -> Status {
        KV_TRY(m_records.put_order(draft, now));
        return m_audit.append({who.user_id, "order.add", draft.id, case_id, "ok", "received; terms recorded",
                               JsonObjectWriter()
                                   .field("document", draft.document)
                                   .field("sha256", draft.document_sha256)
                                   .str()},
                              req);
    });
    if (!st) {
        return std::move(st).error();
    }
    return order_detail(*snap, draft);
}

Result<OrderDetail> Consent::verify_order(const Principal& who, const std::string& order_id,
                                          const RequestInfo& req) {
    auto loaded = load_visible(who, k_kind_order, order_id, hidden_order());
    if (!loaded) {
        return std::move(loaded).error();
    }
    const auto& access = loaded->access;
    const auto* visible = domain::find_order(access.consent->snapshot.facts, order_id);
    if (visible == nullptr || (!is_clinician(access) && !may_read_document(access, visible->document))) {
        return hidden_order();
    }
    if (!is_clinician(access)) {
        return clinician_only("verify a court order");
    }
    const UnixTime now = m_clock.now();
    OrderDetail out;
    Status st = m_store.transaction([&]() -> Status {
        auto snap = m_records.snapshot(access.case_record, now);
        if (!snap) {
            return std::move(snap).error();
        }
        domain::CourtOrder* order = find_mut(snap->facts.orders, order_id);
        if (order == nullptr) {
            return hidden_order();
        }
        KV_TRY(domain::verify_order(*order, who.user_id, now));
        KV_TRY(m_records.put_order(*order, now));
        KV_TRY(m_audit.append({who.user_id, "order.verify", order_id, order->case_id, "ok",
                               "checked against the court's copy; counts from its effective date", ""},
                              req));
        out = order_detail(*snap, *order);
        // A new custody order can take authority away from someone who signed an ROI (rule 8).
        return suspend_lapsed(*snap, who.user_id, req);
    });
    if (!st) {
        return std::move(st).error();
    }
    return out;
}

Result<std::vector<OrderDetail>> Consent::list_orders(const Principal& who, const std::string& case_id,
                                                      const RequestInfo& req) {
    auto access = case_for(who, case_id);
    if (!access) {
        return std::move(access).error();
    }
    auto named_snap = named(*access);
    if (!named_snap) {
        return std::move(named_snap).error();
    }
    const auto& snap = *named_snap;
    std::vector<OrderDetail> out;
    for (const auto& o : snap.facts.orders) {
        if (is_clinician(*access) || may_read_document(*access, o.document)) {
            out.push_back(order_detail(snap, o));
        }
    }
    KV_TRY(m_audit.append({who.user_id, "order.list", case_id, case_id, "permit",
                           "orders whose document the requester may read",
                           JsonObjectWriter().field("listed", static_cast<std::int64_t>(out.size())).str()},
                          req));
    return out;
}

// ------------------------------------------------------------------------------------------------- letters

Result<LetterDetail> Consent::create_letter(const Principal& who, const std::string& case_id,
                                            const std::string& document_id, const std::string& child,
                                            const RequestInfo& req) {
    auto access = case_for(who, case_id);
    if (!access) {
        return std::move(access).error();
    }
    auto doc = m_store.document_by_id(document_id);
    if (!doc) {
        return std::move(doc).error();
    }
    // Only the letter's author registers it; anyone else gets the answer for a missing document.
    if (!doc->has_value() || (*doc)->case_id != case_id || (*doc)->created_by != who.user_id ||
        !contains(access->consent->requester.parties, (*doc)->created_by_party)) {
        return hidden_document();
    }
    if ((*doc)->type != domain::to_string(domain::DocType::clarification_letter)) {
        return make_error(Errc::invalid_input, "the document must be of type clarification-letter");
    }
    const auto& snap = access->consent->snapshot;
    const auto* c = domain::find_party(snap.facts, child);
    if (c == nullptr || c->role != domain::Role::child) {
        return make_error(Errc::invalid_input, "child must be a child of this case");
    }
    if (snap.letters_by_document.count(document_id) != 0) {
        return make_error(Errc::conflict, "this document is already registered as a letter");
    }
    const UnixTime now = m_clock.now();
    LetterRecord l;
    l.id = crypto::random_id("ltr");
    l.case_id = case_id;
    l.document_id = document_id;
    l.letter.author = (*doc)->created_by_party;
    l.letter.child = child;
    l.letter.state = domain::LetterState::draft;
    l.letter.state_changed_at = now;
    Status st = m_store.transaction([&]() -> Status {
        KV_TRY(m_records.put_letter(l, now));
        return m_audit.append({who.user_id, "letter.create", l.id, case_id, "ok", "draft",
                               JsonObjectWriter().field("document", document_id).str()},
                              req);
    });
    if (!st) {
        return std::move(st).error();
    }
    auto named_snap = named(*access);
    if (!named_snap) {
        return std::move(named_snap).error();
    }
    return letter_detail(*named_snap, l);
}

Result<LetterDetail> Consent::letter_action(const Principal& who, const std::string& letter_id,
                                            LetterAction action, const std::string& note,
                                            const std::vector<std::string>& targets, const RequestInfo& req) {
    auto loaded = load_visible(who, k_kind_letter, letter_id, hidden_letter());
    if (!loaded) {
        return std::move(loaded).error();
    }
    const auto& access = loaded->access;
    const auto& snap = access.consent->snapshot;
    const LetterRecord* current = nullptr;
    for (const auto& [doc, l] : snap.letters_by_document) {
        if (l.id == letter_id) {
            current = &l;
        }
    }
    const bool author =
        current != nullptr && contains(access.consent->requester.parties, current->letter.author);
    if (current == nullptr ||
        (!is_clinician(access) && !author && !may_read_document(access, current->document_id))) {
        return hidden_letter();
    }
    if (action == LetterAction::submit ? !author : !is_clinician(access)) {
        return make_error(Errc::forbidden, action == LetterAction::submit
                                               ? "Only the letter's author submits it."
                                               : "Only the case's clinician reviews and releases letters.");
    }
    const UnixTime now = m_clock.now();
    LetterDetail out;
    Status st = m_store.transaction([&]() -> Status {
        auto fresh = m_records.snapshot(access.case_record, now);
        if (!fresh) {
            return std::move(fresh).error();
        }
        LetterRecord l = fresh->letters_by_document.at(current->document_id);
        std::string what;
        switch (action) {
        case LetterAction::submit:
            if (l.letter.state == domain::LetterState::revisions_requested) {
                KV_TRY(domain::revise_letter(l.letter, now));
                what = "revised and resubmitted";
            } else {
                KV_TRY(domain::submit_letter(l.letter, now));
                what = "submitted for review";
            }
            break;
        case LetterAction::request_revisions:
            KV_TRY(domain::request_letter_revisions(l.letter, now));
            if (!note.empty()) {
                l.revision_notes.push_back({now, note});
            }
            what = "revisions requested";
            break;
        case LetterAction::approve:
            KV_TRY(domain::approve_letter(l.letter, now));
            what = "approved";
            break;
        case LetterAction::release:
            KV_TRY(domain::release_letter(l.letter, targets, fresh->facts, now));
            what = "released";
            break;
        }
        KV_TRY(m_records.put_letter(l, now));
        auto doc = m_store.document_by_id(l.document_id);
        if (doc && doc->has_value()) {
            storage::DocumentRecord d = **doc;
            d.state = std::string(domain::to_string(l.letter.state));
            KV_TRY(m_store.update_document(d));
        }
        JsonObjectWriter details;
        details.field("state", domain::to_string(l.letter.state));
        if (action == LetterAction::release) {
            std::string t;
            for (const auto& x : targets) {
                t += (t.empty() ? "" : ",") + x;
            }
            details.field("targets", t);
        }
        KV_TRY(m_audit.append(
            {who.user_id,
             "letter." + std::string(action == LetterAction::request_revisions ? "request-revisions"
                                     : action == LetterAction::submit          ? "submit"
                                     : action == LetterAction::approve         ? "approve"
                                                                               : "release"),
             letter_id, l.case_id, "ok", what, details.str()},
            req));
        out = letter_detail(*fresh, l);
        return {};
    });
    if (!st) {
        return std::move(st).error();
    }
    return out;
}

Result<std::vector<LetterDetail>> Consent::list_letters(const Principal& who, const std::string& case_id,
                                                        const RequestInfo& req) {
    auto access = case_for(who, case_id);
    if (!access) {
        return std::move(access).error();
    }
    auto named_snap = named(*access);
    if (!named_snap) {
        return std::move(named_snap).error();
    }
    const auto& snap = *named_snap;
    std::vector<LetterDetail> out;
    for (const auto& [doc, l] : snap.letters_by_document) {
        const bool author = contains(access->consent->requester.parties, l.letter.author);
        if (is_clinician(*access) || author || may_read_document(*access, doc)) {
            out.push_back(letter_detail(snap, l));
        }
    }
    std::sort(out.begin(), out.end(), [](const LetterDetail& a, const LetterDetail& b) {
        return a.letter.letter.state_changed_at != b.letter.letter.state_changed_at
                   ? a.letter.letter.state_changed_at < b.letter.letter.state_changed_at
                   : a.letter.id < b.letter.id;
    });
    KV_TRY(m_audit.append({who.user_id, "letter.list", case_id, case_id, "permit",
                           "letters the requester may see",
                           JsonObjectWriter().field("listed", static_cast<std::int64_t>(out.size())).str()},
                          req));
    return out;
}

// --------------------------------------------------------------------- readiness, explain, disclosures

Result<domain::CaseReadiness> Consent::readiness(const Principal& who, const std::string& case_id,
                                                 const RequestInfo& req) {
    auto access = case_for(who, case_id);
    if (!access) {
        return std::move(access).error();
    }
    if (!is_clinician(*access)) {
        return clinician_only("check coordination readiness");
    }
    auto snap = named(*access);
    if (!snap) {
        return std::move(snap).error();
    }
    auto r = domain::assess_readiness(snap->facts, access->consent->now, m_gate.policy());
    KV_TRY(m_audit.append(
        {who.user_id, "readiness.read", case_id, case_id, "ok", r.ready ? "ready" : "not ready", ""}, req));
    return r;
}

Result<Explanation> Consent::explain(const Principal& who, const std::string& document_id,
                                     const std::string& party_id, const RequestInfo& req) {
    auto d = m_store.document_by_id(document_id);
    if (!d) {
        return std::move(d).error();
    }
    if (!d->has_value()) {
        return hidden_document();
    }
    auto access = case_for(who, (*d)->case_id);
    if (!access) {
        return access.error().code == Errc::not_found ? hidden_document() : std::move(access).error();
    }
    if (!is_clinician(*access)) {
        if (!m_gate.decide(*access, **d, AccessAction::read).permit) {
            return hidden_document();
        }
        return clinician_only("explain release decisions");
    }
    auto named_snap = named(*access);
    if (!named_snap) {
        return std::move(named_snap).error();
    }
    const auto& snap = *named_snap;
    if (domain::find_party(snap.facts, party_id) == nullptr) {
        return make_error(Errc::invalid_input, "party must be a party of this case");
    }
    Explanation out;
    out.document_id = document_id;
    out.party = party_id;
    out.party_name = party_name(snap, party_id);
    out.decision = m_gate.explain(*access, **d, requester_as(snap, party_id));
    JsonObjectWriter details;
    details.field("as", party_id).field("rule", out.decision.rule_code());
    KV_TRY(m_audit.append({who.user_id, "access.explain", document_id, (*d)->case_id,
                           std::string(domain::to_string(out.decision.effect)),
                           std::string(out.decision.rule_code()) + ": " + out.decision.reason, details.str()},
                          req));
    return out;
}

Result<std::vector<DisclosureView>> Consent::disclosures(const Principal& who, const std::string& case_id,
                                                         const std::string& party_id,
                                                         const RequestInfo& req) {
    auto access = case_for(who, case_id);
    if (!access) {
        return std::move(access).error();
    }
    if (!is_clinician(*access)) {
        return clinician_only("read the accounting of disclosures");
    }
    auto rows = m_store.disclosures_of_case(case_id);
    if (!rows) {
        return std::move(rows).error();
    }
    auto named_snap = named(*access);
    if (!named_snap) {
        return std::move(named_snap).error();
    }
    const auto& snap = *named_snap;
    std::vector<DisclosureView> out;
    std::map<std::string, std::pair<std::string, std::string>> docs; // id -> (type, title)
    for (const auto& r : *rows) {
        if (!party_id.empty() && r.recipient_party != party_id) {
            continue;
        }
        DisclosureView v;
        v.record = r;
        v.recipient_name = r.recipient_party.empty() ? r.recipient_user : party_name(snap, r.recipient_party);
        if (docs.count(r.document_id) == 0) {
            std::pair<std::string, std::string> info;
            auto d = m_store.document_by_id(r.document_id);
            if (d && d->has_value()) {
                info.first = (*d)->type;
                auto ver = m_store.version_of(r.document_id, r.version);
                if (ver && ver->has_value()) {
                    auto title = m_records.keyring().open_field((*ver)->title_sealed,
                                                                "doc:" + r.document_id + ":v" +
                                                                    std::to_string(r.version) + ":title");
                    if (title) {
                        info.second = *title;
                    }
                }
            }
            docs[r.document_id] = info;
        }
        v.document_type = docs[r.document_id].first;
        v.document_title = docs[r.document_id].second;
        out.push_back(std::move(v));
    }
    KV_TRY(
        m_audit.append({who.user_id, "disclosures.read", case_id, case_id, "ok", "accounting of disclosures",
                        JsonObjectWriter()
                            .field("party", party_id)
                            .field("entries", static_cast<std::int64_t>(out.size()))
                            .str()},
                       req));
    return out;
}

// ------------------------------------------------------------------------- facts the clinician records

Result<PartyFacts> Consent::set_party_facts(const Principal& who, const std::string& party_id,
                                            const PartyFactsInput& input, const RequestInfo& req) {
    auto row = m_store.party_by_id(party_id);
    if (!row) {
        return std::move(row).error();
    }
    if (!row->has_value()) {
        return hidden_party();
    }
    auto access = case_for(who, (*row)->case_id);
    if (!access || !is_clinician(*access)) {
        return access || access.error().code == Errc::not_found ? hidden_party() : std::move(access).error();
    }
    const auto& snap = access->consent->snapshot;
    const auto* party = domain::find_party(snap.facts, party_id);
    if (party == nullptr) {
        return hidden_party();
    }
    PartyFacts facts;
    if (const auto it = snap.party_facts.find(party_id); it != snap.party_facts.end()) {
        facts = it->second;
    }
    facts.party_id = party_id;
    facts.case_id = access->case_id;
    storage::PartyRecord updated = **row;
    bool substituted = false;
    if (input.treats) {
        if (party->role != domain::Role::child_therapist) {
            return make_error(Errc::invalid_input, "only a child's therapist treats a child");
        }
        const auto* child = domain::find_party(snap.facts, *input.treats);
        if (child == nullptr || child->role != domain::Role::child) {
            return make_error(Errc::invalid_input, "treats must name a child of this case");
        }
        facts.treats = *input.treats;
    }
    if (input.minor_consented_treatment) {
        if (party->role != domain::Role::child_therapist) {
            return make_error(Errc::invalid_input,
                              "minor consent to treatment is recorded on the child's therapist");
        }
        facts.minor_consented_treatment = *input.minor_consented_treatment;
    }
    if (input.substituted_by) {
        const auto* successor = domain::find_party(snap.facts, *input.substituted_by);
        if (!domain::is_counsel(party->role) || successor == nullptr ||
            !domain::is_counsel(successor->role) || successor->id == party_id) {
            return make_error(Errc::invalid_input,
                              "a substitution replaces counsel with other counsel of this case");
        }
        facts.successor = *input.substituted_by;
        facts.status_since = m_clock.now();
        updated.status = "substituted";
        substituted = true;
    }
    const UnixTime now = m_clock.now();
    Status st = m_store.transaction([&]() -> Status {
        KV_TRY(m_records.put_party_facts(facts, now));
        if (substituted) {
            KV_TRY(m_store.update_party(updated));
        }
        JsonObjectWriter details;
        details.field("treats", facts.treats.value_or(""))
            .field("minor_consented_treatment", facts.minor_consented_treatment ? "yes" : "no")
            .field("successor", facts.successor.value_or(""));
        return m_audit.append({who.user_id, "party.consent-facts", party_id, access->case_id, "ok",
                               substituted ? "counsel substituted (rule 9)" : "consent facts recorded",
                               details.str()},
                              req);
    });
    if (!st) {
        return std::move(st).error();
    }
    return facts;
}

Result<DocumentFactsRecord> Consent::classify_document(const Principal& who, const std::string& document_id,
                                                       const ClassificationInput& input,
                                                       const RequestInfo& req) {
    auto d = m_store.document_by_id(document_id);
    if (!d) {
        return std::move(d).error();
    }
    if (!d->has_value()) {
        return hidden_document();
    }
    auto access = case_for(who, (*d)->case_id);
    if (!access) {
        return access.error().code == Errc::not_found ? hidden_document() : std::move(access).error();
    }
    if (!is_clinician(*access)) {
        if (!m_gate.decide(*access, **d, AccessAction::read).permit) {
            return hidden_document();
        }
        return clinician_only("classify a document");
    }
    const auto& snap = access->consent->snapshot;
    DocumentFactsRecord rec;
    if (const auto it = snap.document_facts.find(document_id); it != snap.document_facts.end()) {
        rec = it->second;
    }
    rec.document_id = document_id;
    rec.case_id = (*d)->case_id;
    std::vector<std::string> unknown;
    const auto parties = [&](const std::vector<std::string>& ids) {
        for (const auto& id : ids) {
            if (domain::find_party(snap.facts, id) == nullptr) {
                unknown.push_back(id);
            }
        }
        return ids;
    };
    if (input.subjects) {
        rec.subjects = parties(*input.subjects);
    }
    if (input.contact_details_of) {
        rec.contact_details_of = parties(*input.contact_details_of);
    }
    if (!unknown.empty()) {
        return make_error(Errc::invalid_input, "not parties of this case: " + unknown.front());
    }
    storage::DocumentRecord row = **d;
    if (input.category) {
        const auto c = domain::parse_info_category(normalise_name(*input.category));
        if (!c) {
            return make_error(Errc::invalid_input,
                              "category must be one of general, attendance, payment, "
                              "progress-report, assessment, session-summary, correspondence, legal");
        }
        row.category = std::string(domain::to_string(*c));
    }
    if (input.sensitivity) {
        domain::SensitivitySet set;
        for (const auto& s : *input.sensitivity) {
            const auto f = domain::parse_sensitivity(normalise_name(s));
            if (!f) {
                return make_error(Errc::invalid_input,
                                  "sensitivity must be psychotherapy-notes or substance-use");
            }
            set.add(*f);
        }
        row.sensitivity = sensitivity_list(set);
    }
    const UnixTime now = m_clock.now();
    Status st = m_store.transaction([&]() -> Status {
        KV_TRY(m_records.put_document_facts(rec, now));
        KV_TRY(m_store.update_document(row));
        JsonObjectWriter details;
        details.field("category", row.category)
            .field("sensitivity", row.sensitivity)
            .field("subjects", static_cast<std::int64_t>(rec.subjects.size()));
        return m_audit.append({who.user_id, "document.classify", document_id, row.case_id, "ok",
                               "release facts recorded", details.str()},
                              req);
    });
    if (!st) {
        return std::move(st).error();
    }
    return rec;
}

Result<AgreementRecord> Consent::apply_agreement(CaseSnapshot& snap, const AgreementInput& input,
                                                 const std::string& actor, const RequestInfo& req) {
    const UnixTime now = m_clock.now();
    const UnixTime effective = input.effective_from.value_or(now);
    const auto current_mode = domain::mode_at(snap.facts, effective);
    AgreementRecord rec;
    rec.case_id = snap.facts.id;
    auto& a = rec.agreement;
    a.document = input.document_id;
    a.state = domain::AgreementState::executed;
    a.state_changed_at = now;
    a.executed_at = now;
    a.mode = input.mode.value_or(current_mode);
    int versions = 0;
    AgreementRecord* in_force = nullptr;
    for (auto& prior : snap.agreements) {
        if (prior.agreement.document == input.document_id) {
            return make_error(Errc::conflict, "this agreement is already recorded");
        }
        ++versions;
        if (prior.agreement.state == domain::AgreementState::executed &&
            (in_force == nullptr ||
             prior.agreement.executed_at.value_or(0) > in_force->agreement.executed_at.value_or(0))) {
            in_force = &prior;
        }
    }
    a.version = versions + 1;
    if (in_force != nullptr) {
        a.supersedes = in_force->agreement.document;
        a.closed_allowances = in_force->agreement.closed_allowances;
        a.open_allowances = in_force->agreement.open_allowances;
    }
    if (input.closed_allowances) {
        a.closed_allowances = *input.closed_allowances;
    }
    if (input.open_allowances) {
        a.open_allowances = *input.open_allowances;
    }
    const bool mode_changes = a.mode != current_mode;
    if (mode_changes) {
        // The case's opening mode becomes the first entry of the stored history.
        KV_TRY(domain::apply_mode_amendment(snap.facts, a, effective, now));
        ModeHistoryRecord history;
        history.case_id = snap.facts.id;
        history.changes = snap.facts.mode_history;
        KV_TRY(m_records.put_mode_history(history, now));
        if (effective <= now) {
            storage::CaseRecord c = snap.case_record;
            c.mode = std::string(domain::to_string(a.mode));
            KV_TRY(m_store.update_case(c));
        }
    }
    if (in_force != nullptr) {
        KV_TRY(domain::transition_agreement(in_force->agreement, domain::AgreementState::superseded, now));
        KV_TRY(m_records.put_agreement(*in_force, now));
    }
    KV_TRY(m_records.put_agreement(rec, now));
    JsonObjectWriter details;
    details.field("mode", domain::to_string(a.mode))
        .field("effective_from", format_utc(effective))
        .field("version", static_cast<std::int64_t>(a.version));
    KV_TRY(m_audit.append({actor, "agreement.record", a.document, snap.facts.id, "ok",
                           mode_changes ? "process mode amended going forward" : "agreement in force",
                           details.str()},
                          req));
    return rec;
}

Result<AgreementRecord> Consent::record_agreement(const Principal& who, const std::string& case_id,
                                                  const AgreementInput& input, const RequestInfo& req) {
    auto access = case_for(who, case_id);
    if (!access) {
        return std::move(access).error();
    }
    if (!is_clinician(*access)) {
        return clinician_only("record an executed agreement");
    }
    auto doc = document_in_case(input.document_id, case_id, "document_id (the executed agreement)");
    if (!doc) {
        return std::move(doc).error();
    }
    if (doc->type != domain::to_string(domain::DocType::reunification_agreement)) {
        return make_error(Errc::invalid_input,
                          "document_id must be a document of type reunification-agreement");
    }
    if (input.effective_from && *input.effective_from < m_clock.now()) {
        return make_error(
            Errc::invalid_input,
            "a process mode change applies only going forward; it cannot take effect before now");
    }
    AgreementRecord out;
    Status st = m_store.transaction([&]() -> Status {
        auto snap = m_records.snapshot(access->case_record, m_clock.now());
        if (!snap) {
            return std::move(snap).error();
        }
        auto rec = apply_agreement(*snap, input, who.user_id, req);
        if (!rec) {
            return std::move(rec).error();
        }
        out = std::move(rec).value();
        return {};
    });
    if (!st) {
        return std::move(st).error();
    }
    return out;
}

// ------------------------------------------------------------------------------------ envelope completion

Status Consent::on_envelope_completed(const Envelope& e, const RequestInfo& req) {
    const bool roi = !e.roi_id.empty();
    const bool agreement = e.purpose == "agreement";
    if (!roi && !agreement) {
        return {};
    }
    auto c = m_store.case_by_id(e.case_id);
    if (!c) {
        return std::move(c).error();
    }
    if (!c->has_value()) {
        return {};
    }
    const UnixTime now = m_clock.now();
    auto snap = m_records.snapshot(**c, now);
    if (!snap) {
        return std::move(snap).error();
    }
    if (roi) {
        domain::Roi* r = find_mut(snap->facts.rois, e.roi_id);
        if (r == nullptr) {
            return m_audit.append({"system", "roi.signature", e.roi_id, e.case_id, "error",
                                   "envelope " + e.id + " names an ROI that is not in this case", ""},
                                  req);
        }
        std::vector<domain::RoiSignature> sigs;
        for (const auto& s : e.signers) {
            if (s.state != SignerState::completed || s.capacity == "clinician") {
                continue; // the practice's own signature is not an authorisation
            }
            const bool already =
                std::any_of(r->signatures.begin(), r->signatures.end(),
                            [&s](const domain::RoiSignature& x) { return x.signer == s.party_id; });
            if (already) {
                continue;
            }
            domain::RoiSignature sig;
            sig.signer = s.party_id;
            sig.capacity = domain::parse_signer_capacity(normalise_name(s.capacity))
                               .value_or(domain::SignerCapacity::self);
            auto authority = authority_for(snap->facts, s.authority);
            sig.authority = authority ? *authority : domain::AuthorityRef{};
            sig.signed_at = s.signed_at != 0 ? s.signed_at : now;
            sig.evidence = e.id;
            sigs.push_back(sig);
        }
        // The PDF is signed whatever happens here; an ROI that cannot activate (rule 5) stays pending and the
        // audit log says why, for the clinician to resolve.
        Status applied = apply_signatures(*snap, *r, sigs, "system", req);
        if (!applied) {
            if (applied.error().code == Errc::internal || applied.error().code == Errc::unavailable ||
                applied.error().code == Errc::integrity) {
                return applied;
            }
            KV_TRY(m_audit.append(
                {"system", "roi.signature", e.roi_id, e.case_id, "error",
                 "envelope " + e.id + " executed, but the ROI did not activate: " + applied.error().message,
                 ""},
                req));
        }
    }
    if (agreement) {
        AgreementInput input;
        input.document_id = e.document_id;
        if (!e.process_mode.empty()) {
            input.mode = domain::parse_process_mode(normalise_name(e.process_mode));
        }
        auto rec = apply_agreement(*snap, input, "system", req);
        if (!rec) {
            const auto code = rec.error().code;
            if (code == Errc::internal || code == Errc::unavailable || code == Errc::integrity) {
                return std::move(rec).error();
            }
            KV_TRY(m_audit.append(
                {"system", "agreement.record", e.document_id, e.case_id, "error",
                 "envelope " + e.id + " executed, but the agreement was not recorded: " + rec.error().message,
                 ""},
                req));
        }
    }
    return {};
}

} // namespace kinvault::services
