#include "domain/release.h"

#include "domain/algo.h"
#include "domain/authority.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

namespace kinvault::domain {

using detail::contains;
using detail::intersects;

namespace {

// Why an ROI did not carry a release. Standing misses are known per request; document misses per document.
// Within each group a later value got further towards permitting, which picks the ROI an explanation is
// about.
enum class Miss : std::uint8_t {
    revoked,
    recipient_revoked,
    superseded,
    not_in_force,
    expired,
    not_yet_valid,
    suspended,
    defective,
    direction,
    custody_changed,
    subject_adult,
    no_authority,
    purpose,
    // per document
    subject_mismatch,
    scope,
    date_range,
    sensitivity,
    none,
};

RuleCode rule_for(Miss m) {
    switch (m) {
    case Miss::revoked:
    case Miss::recipient_revoked:
        return RuleCode::revoked;
    case Miss::superseded:
    case Miss::not_in_force:
    case Miss::expired:
    case Miss::not_yet_valid:
        return RuleCode::roi_not_in_force;
    case Miss::suspended:
    case Miss::custody_changed:
        return RuleCode::custody_changed;
    case Miss::defective:
        return RuleCode::roi_defective;
    case Miss::direction:
        return RuleCode::roi_direction;
    case Miss::subject_adult:
        return RuleCode::subject_adult;
    case Miss::no_authority:
        return RuleCode::no_authority;
    case Miss::purpose:
        return RuleCode::roi_purpose;
    case Miss::subject_mismatch:
    case Miss::scope:
    case Miss::date_range:
        return RuleCode::roi_scope;
    case Miss::sensitivity:
        return RuleCode::roi_sensitive;
    case Miss::none:
        return RuleCode::roi_permits;
    }
    return RuleCode::default_deny;
}

// Attorneys, minor's counsel and the court: what a closed process keeps out (rule 6).
bool outside_the_process(Role role) {
    return is_counsel(role) || role == Role::court;
}

bool info_listed(const std::vector<DocType>& types, const std::vector<InfoCategory>& categories,
                 const DocumentFacts& doc) {
    return contains(types, doc.type) || contains(categories, doc.category);
}

struct Candidate {
    const Roi* roi{nullptr};
    std::size_t recipient{0};
    Miss standing{Miss::none};
    std::optional<UnixTime> end;
    std::string authority_text; // check_authorisation's explanation, for notes
};

struct PartyView {
    const Party* party{nullptr};
    std::vector<std::pair<const CourtOrder*, const SharingRestriction*>> restrictions;
    std::vector<std::pair<const CourtOrder*, const ProtectiveTerms*>> protective;
    std::vector<std::pair<const CourtOrder*, const CompelledRelease*>> compels;
    std::vector<Candidate> candidates;
    std::vector<const Roi*> names_predecessor; // rule 9: ROIs naming counsel this party replaced
    std::vector<Purpose> purposes;             // the request's purpose, or the role's usual ones
};

// The outcome before any text is written. `permits` works with this alone.
struct Verdict {
    Effect effect{Effect::deny};
    RuleCode rule{RuleCode::default_deny};
    BasisKind basis{BasisKind::none};
    const PartyView* view{nullptr};
    const CourtOrder* order{nullptr};
    const SharingRestriction* restriction{nullptr};
    const ProtectiveTerms* protective{nullptr};
    const CompelledRelease* compel{nullptr};
    const AgreementAllowance* allowance{nullptr};
    const Candidate* closest{nullptr}; // the ROI a deny is best explained by
    Miss closest_miss{Miss::none};
    const PartyId* uncovered{nullptr}; // the subject no ROI covered
    bool no_subjects{false};
    bool closed{false};
};

Miss document_miss(const Candidate& c, const DocumentFacts& doc) {
    const Roi& roi = *c.roi;
    const auto& info = roi.information;
    if (!contains(doc.subjects, roi.subject)) {
        return Miss::subject_mismatch;
    }
    const bool notes = doc.sensitivity.has(Sensitivity::psychotherapy_notes);
    if (roi.kind == RoiKind::psychotherapy_notes) {
        // 45 CFR 164.508(b)(3)(ii): a notes authorization covers notes and nothing else.
        if (!notes) {
            return Miss::scope;
        }
        if ((!info.doc_types.empty() || !info.categories.empty()) &&
            !info_listed(info.doc_types, info.categories, doc)) {
            return Miss::scope;
        }
    } else {
        if (notes) {
            return Miss::sensitivity;
        }
        if (!info_listed(info.doc_types, info.categories, doc)) {
            return Miss::scope;
        }
    }
    if ((info.from && doc.created_at < *info.from) || (info.until && doc.created_at > *info.until)) {
        return Miss::date_range;
    }
    if (!doc.sensitivity.subset_of(info.sensitivity)) {
        return Miss::sensitivity;
    }
    return Miss::none;
}

std::string name_of(const CaseFacts& facts, const PartyId& id) {
    const Party* p = find_party(facts, id);
    return p != nullptr && !p->name.empty() ? p->name : id;
}

std::string order_label(const CourtOrder& o) {
    std::string kind = o.kind == OrderKind::support_plan ? "support plan " : "court order ";
    return kind + (o.case_number.empty() ? o.id : o.case_number);
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) {
            out += sep;
        }
        out += parts[i];
    }
    return out;
}

std::string signers_of(const CaseFacts& facts, const Roi& roi) {
    std::vector<std::string> names;
    for (const auto& s : roi.signatures) {
        names.push_back(name_of(facts, s.signer));
    }
    return names.empty() ? "nobody yet" : join(names, " and ");
}

std::string document_words(const DocumentFacts& doc) {
    std::string out(to_string(doc.type));
    if (doc.category != InfoCategory::general) {
        out += " (" + std::string(to_string(doc.category)) + ")";
    }
    return out;
}

} // namespace

std::vector<Purpose> usual_purposes(Role role) {
    switch (role) {
    case Role::attorney:
    case Role::minors_counsel:
    case Role::court:
        return {Purpose::legal_proceedings};
    case Role::child_therapist:
        return {Purpose::coordination_of_care, Purpose::treatment};
    case Role::parent:
    case Role::child:
        return {Purpose::at_request_of_individual};
    case Role::clinician:
        return {Purpose::treatment, Purpose::reunification_therapy};
    }
    return {};
}

struct ReleaseContext::Impl {
    const CaseFacts* facts{nullptr};
    ReleaseRequest request;
    Policy policy;
    bool clinician{false};
    std::vector<PartyView> views;        // the requester's active parties
    std::vector<const Party*> inactive;  // the requester's parties that lost standing
    const Agreement* agreement{nullptr}; // executed agreement in force, if any

    Impl(const CaseFacts& f, ReleaseRequest r, Policy p) : facts(&f), request(std::move(r)), policy(p) {
        prepare();
    }

    void prepare();
    void prepare_view(PartyView& view) const;
    [[nodiscard]] Miss standing_of(const Roi& roi, const RoiRecipient& recipient,
                                   std::optional<UnixTime>& end, std::string& authority_text) const;
    [[nodiscard]] bool closed_for(const DocumentFacts& doc) const;
    [[nodiscard]] bool is_own(const DocumentFacts& doc) const;
    [[nodiscard]] bool is_requester_party(const PartyId& id) const;
    [[nodiscard]] Verdict evaluate(const DocumentFacts& doc) const;
    [[nodiscard]] Verdict evaluate_view(const PartyView& view, const DocumentFacts& doc) const;
    [[nodiscard]] Verdict permits_for(const PartyView& view, const DocumentFacts& doc) const;
    void match_rois(const PartyView& view, const DocumentFacts& doc, Verdict& v,
                    std::vector<const Candidate*>* used) const;
    [[nodiscard]] const AgreementAllowance* allowance_for(const PartyView& view, const DocumentFacts& doc,
                                                          bool closed) const;

    [[nodiscard]] Decision render(const Verdict& v, const DocumentFacts& doc) const;
    [[nodiscard]] std::string candidate_note(const Candidate& c, const PartyView& view,
                                             const DocumentFacts& doc) const;
    [[nodiscard]] std::string miss_words(const Candidate& c, Miss miss, const PartyView& view,
                                         const DocumentFacts& doc) const;
    void add_roi_notes(const PartyView& view, const DocumentFacts& doc, Decision& d) const;
};

void ReleaseContext::Impl::prepare() {
    const auto& req = request.requester;
    for (const auto& id : req.parties) {
        const Party* p = find_party(*facts, id);
        if (p == nullptr) {
            continue;
        }
        if (!is_active(*p)) {
            inactive.push_back(p);
            continue;
        }
        if (p->role == Role::clinician) {
            clinician = true;
        }
        PartyView view;
        view.party = p;
        views.push_back(std::move(view));
    }
    if (req.account == AccountKind::clinician && !req.user.empty() && contains(facts->clinicians, req.user)) {
        clinician = true;
    }
    if (facts->agreement && facts->agreement->state == AgreementState::executed) {
        agreement = &*facts->agreement;
    }
    for (auto& view : views) {
        prepare_view(view);
    }
}

void ReleaseContext::Impl::prepare_view(PartyView& view) const {
    const Party& me = *view.party;
    const UnixTime now = request.now;
    view.purposes = request.purpose ? std::vector<Purpose>{*request.purpose} : usual_purposes(me.role);
    for (const auto* order : orders_in_force(facts->orders, SubjectArea::information_sharing, now)) {
        for (const auto& r : order->restrictions) {
            if (contains(r.barred_parties, me.id) || contains(r.barred_roles, me.role)) {
                view.restrictions.emplace_back(order, &r);
            }
        }
    }
    for (const auto* order : orders_in_force(facts->orders, SubjectArea::protective, now)) {
        for (const auto& p : order->protective) {
            if (contains(p.restrained, me.id)) {
                view.protective.emplace_back(order, &p);
            }
        }
    }
    for (const auto* order : orders_in_force(facts->orders, SubjectArea::release, now)) {
        for (const auto& c : order->compels) {
            if (contains(c.recipients, me.id) || contains(c.recipient_roles, me.role)) {
                view.compels.emplace_back(order, &c);
            }
        }
    }
    for (const auto& roi : facts->rois) {
        if (roi.case_id != facts->id) {
            continue;
        }
        for (std::size_t i = 0; i < roi.recipients.size(); ++i) {
            const auto& rc = roi.recipients[i];
            bool resolves = false;
            switch (rc.kind) {
            case RecipientKind::party:
                resolves = rc.party == me.id;
                if (!resolves) {
                    const Party* named = find_party(*facts, rc.party);
                    if (named != nullptr && named->status == PartyStatus::substituted && named->successor &&
                        *named->successor == me.id) {
                        view.names_predecessor.push_back(&roi);
                    }
                }
                break;
            case RecipientKind::counsel_of_record_for:
                // Resolved now, not when the ROI was signed (rule 9).
                resolves = is_counsel(me.role) && me.represents && *me.represents == rc.party;
                break;
            case RecipientKind::therapist_of:
                resolves = me.role == Role::child_therapist && me.treats && *me.treats == rc.party;
                break;
            }
            if (!resolves) {
                continue;
            }
            Candidate c;
            c.roi = &roi;
            c.recipient = i;
            c.standing = standing_of(roi, rc, c.end, c.authority_text);
            if (c.standing == Miss::none && !intersects(roi.purposes, view.purposes)) {
                c.standing = Miss::purpose;
            }
            view.candidates.push_back(std::move(c));
        }
    }
}

Miss ReleaseContext::Impl::standing_of(const Roi& roi, const RoiRecipient& recipient,
                                       std::optional<UnixTime>& end, std::string& authority_text) const {
    const UnixTime now = request.now;
    end = roi_end(roi, *facts, policy);
    switch (roi.state) {
    case RoiState::draft:
    case RoiState::pending_signatures:
        return Miss::not_in_force;
    case RoiState::revoked:
        return Miss::revoked;
    case RoiState::superseded:
        return Miss::superseded;
    case RoiState::expired:
        return Miss::expired;
    case RoiState::suspended:
        return Miss::suspended;
    case RoiState::active:
        break;
    }
    // Rule 7: effective when received, whatever the stored state says.
    if (roi.revoked_at && *roi.revoked_at <= now) {
        return Miss::revoked;
    }
    if (recipient.revoked_at && *recipient.revoked_at <= now) {
        return Miss::recipient_revoked;
    }
    if ((roi.valid_from && *roi.valid_from > now) || (roi.activated_at && *roi.activated_at > now)) {
        return Miss::not_yet_valid;
    }
    if (end && *end <= now) {
        return Miss::expired;
    }
    if (!covers_outbound(roi.direction)) {
        return Miss::direction;
    }
    if (!validate_roi(roi, *facts, policy).empty()) {
        return Miss::defective;
    }
    // Rules 5, 8, 10 are re-evaluated now: an earlier "yes" is never cached.
    const auto check = check_authorisation(roi, *facts, now, policy);
    authority_text = check.explanation;
    if (check.subject_now_adult) {
        return Miss::subject_adult;
    }
    if (!check.lost_authority.empty()) {
        return Miss::custody_changed;
    }
    if (!check.satisfied) {
        return Miss::no_authority;
    }
    return Miss::none;
}

bool ReleaseContext::Impl::is_requester_party(const PartyId& id) const {
    return contains(request.requester.parties, id);
}

bool ReleaseContext::Impl::is_own(const DocumentFacts& doc) const {
    const auto active = [this](const PartyId& id) {
        return std::any_of(views.begin(), views.end(),
                           [&id](const PartyView& v) { return v.party->id == id; });
    };
    if (!request.requester.user.empty() && doc.uploader == request.requester.user) {
        return true;
    }
    if (doc.author && active(*doc.author)) {
        return true;
    }
    return doc.letter && active(doc.letter->author);
}

bool ReleaseContext::Impl::closed_for(const DocumentFacts& doc) const {
    // Amendments apply going forward: a document made while the case was closed keeps the closed rules.
    if (mode_at(*facts, doc.created_at) == ProcessMode::closed) {
        return true;
    }
    return policy.closing_reaches_back && mode_at(*facts, request.now) == ProcessMode::closed;
}

const AgreementAllowance* ReleaseContext::Impl::allowance_for(const PartyView& view, const DocumentFacts& doc,
                                                              bool closed) const {
    // The agreement never carries sensitive information, nor a clarification letter: a letter reaches the
    // other parent or counsel only under an ROI (domain.md, clarification letters).
    if (agreement == nullptr || !doc.sensitivity.empty() || doc.type == DocType::clarification_letter) {
        return nullptr;
    }
    const auto& list = closed ? agreement->closed_allowances : agreement->open_allowances;
    const Party& me = *view.party;
    for (const auto& a : list) {
        if (!contains(a.recipient_roles, me.role) || !contains(a.categories, doc.category)) {
            continue;
        }
        const bool client_limited = a.scope == AllowanceScope::client_only && is_counsel(me.role);
        if (client_limited && !(me.represents && contains(doc.subjects, *me.represents))) {
            continue;
        }
        return &a;
    }
    return nullptr;
}

void ReleaseContext::Impl::match_rois(const PartyView& view, const DocumentFacts& doc, Verdict& v,
                                      std::vector<const Candidate*>* used) const {
    if (doc.subjects.empty()) {
        v.no_subjects = true;
        return;
    }
    bool needed_any = false;
    for (const auto& subject : doc.subjects) {
        if (is_requester_party(subject)) {
            continue; // the requester's own share of the information needs nobody's authorisation
        }
        needed_any = true;
        const Candidate* found = nullptr;
        const Candidate* closest = nullptr;
        Miss closest_miss = Miss::revoked;
        int closest_tier = -1;
        for (const auto& c : view.candidates) {
            if (c.roi->subject != subject) {
                continue;
            }
            const Miss standing = c.standing;
            const Miss doc_miss = document_miss(c, doc);
            if (standing == Miss::none && doc_miss == Miss::none) {
                found = &c;
                break;
            }
            // Prefer an ROI that would cover this document (its standing explains the deny), then one in
            // force (its scope explains it), then the furthest along.
            const int tier = doc_miss == Miss::none ? 2 : (standing == Miss::none ? 1 : 0);
            const Miss miss = doc_miss == Miss::none ? standing : doc_miss;
            if (tier > closest_tier || (tier == closest_tier && miss > closest_miss)) {
                closest = &c;
                closest_miss = miss;
                closest_tier = tier;
            }
        }
        if (found == nullptr) {
            v.uncovered = &subject;
            v.closest = closest;
            v.closest_miss = closest_miss;
            return;
        }
        if (used != nullptr) {
            used->push_back(found);
        }
    }
    if (!needed_any) {
        // Only the requester's own information: that is rule 1's right of access, not an ROI.
        return;
    }
    v.effect = Effect::permit;
    v.rule = RuleCode::roi_permits;
    v.basis = BasisKind::roi;
}

Verdict ReleaseContext::Impl::permits_for(const PartyView& view, const DocumentFacts& doc) const {
    Verdict v;
    v.view = &view;
    const Party& me = *view.party;
    if (doc.letter && letter_is_released(doc.letter->state) && contains(doc.letter->release_targets, me.id)) {
        v.effect = Effect::permit;
        v.rule = RuleCode::letter_release;
        v.basis = BasisKind::letter_release;
        return v;
    }
    if (doc.envelope && doc.envelope->executed && doc.envelope->executed_copy &&
        contains(doc.envelope->parties, me.id)) {
        v.effect = Effect::permit;
        v.rule = RuleCode::envelope_party;
        v.basis = BasisKind::envelope;
        return v;
    }
    for (const auto& [order, compel] : view.compels) {
        if (info_listed(compel->doc_types, compel->categories, doc) &&
            doc.sensitivity.subset_of(compel->sensitivity)) {
            v.effect = Effect::permit;
            v.rule = RuleCode::court_order_compels;
            v.basis = BasisKind::court_order;
            v.order = order;
            v.compel = compel;
            return v;
        }
    }
    v.closed = closed_for(doc);
    if (const auto* a = allowance_for(view, doc, v.closed); a != nullptr && outside_the_process(me.role)) {
        v.effect = Effect::permit;
        v.rule = RuleCode::agreement_allowance;
        v.basis = BasisKind::agreement;
        v.allowance = a;
        return v;
    }
    if (v.closed && outside_the_process(me.role)) {
        // Rule 6: no ROI reaches attorneys or the court in a closed process. Still find the closest ROI so
        // the explanation can say what it would have done.
        match_rois(view, doc, v, nullptr);
        v.effect = Effect::deny;
        v.rule = RuleCode::closed_process;
        v.basis = BasisKind::none;
        return v;
    }
    match_rois(view, doc, v, nullptr);
    if (v.effect == Effect::permit) {
        return v;
    }
    const bool only_own_information =
        !doc.subjects.empty() && std::all_of(doc.subjects.begin(), doc.subjects.end(),
                                             [this](const PartyId& s) { return is_requester_party(s); });
    if (only_own_information && policy.subject_right_of_access &&
        !doc.sensitivity.has(Sensitivity::psychotherapy_notes)) {
        v.effect = Effect::permit;
        v.rule = RuleCode::own_information;
        v.basis = BasisKind::own_information;
        return v;
    }
    if (v.closest != nullptr) {
        v.rule = rule_for(v.closest_miss);
    } else if (!view.names_predecessor.empty()) {
        v.rule = RuleCode::counsel_substituted;
    } else {
        v.rule = RuleCode::default_deny;
    }
    return v;
}

Verdict ReleaseContext::Impl::evaluate_view(const PartyView& view, const DocumentFacts& doc) const {
    // Rules 2 and 4: an order's restriction is a deny that no ROI, agreement or other order overrides.
    for (const auto& [order, r] : view.restrictions) {
        const bool info =
            (r->doc_types.empty() && r->categories.empty()) || info_listed(r->doc_types, r->categories, doc);
        const bool about = r->about.empty() || doc.subjects.empty() || intersects(r->about, doc.subjects);
        if (info && about) {
            Verdict v;
            v.view = &view;
            v.rule = RuleCode::order_restriction;
            v.basis = BasisKind::court_order;
            v.order = order;
            v.restriction = r;
            return v;
        }
    }
    for (const auto& [order, p] : view.protective) {
        if (intersects(p->protected_parties, doc.contact_details_of)) {
            Verdict v;
            v.view = &view;
            v.rule = RuleCode::protective_order;
            v.basis = BasisKind::court_order;
            v.order = order;
            v.protective = p;
            return v;
        }
    }
    return permits_for(view, doc);
}

Verdict ReleaseContext::Impl::evaluate(const DocumentFacts& doc) const {
    Verdict v;
    if (doc.case_id != facts->id) {
        v.rule = RuleCode::wrong_case;
        return v;
    }
    if (clinician) {
        v.effect = Effect::permit;
        v.rule = RuleCode::clinician;
        v.basis = BasisKind::clinician;
        return v;
    }
    if (views.empty()) {
        const bool substituted = std::any_of(inactive.begin(), inactive.end(), [](const Party* p) {
            return p->status == PartyStatus::substituted;
        });
        v.rule = substituted ? RuleCode::counsel_substituted : RuleCode::not_a_party;
        return v;
    }
    // Rule 1: a person's own records. Court orders restrict what others' information reaches a person, not
    // what the person wrote.
    if (is_own(doc)) {
        v.effect = Effect::permit;
        v.rule = RuleCode::own_record;
        v.basis = BasisKind::own_record;
        return v;
    }
    const bool is_letter = doc.type == DocType::clarification_letter || doc.letter;
    if (is_letter && (!doc.letter || !letter_is_released(doc.letter->state))) {
        v.rule = RuleCode::letter_unreleased;
        return v;
    }
    // Several parties of one requester: deny overrides permit (rule 4).
    std::optional<Verdict> permit;
    std::optional<Verdict> first_deny;
    for (const auto& view : views) {
        Verdict pv = evaluate_view(view, doc);
        if (pv.rule == RuleCode::order_restriction || pv.rule == RuleCode::protective_order) {
            return pv;
        }
        if (pv.effect == Effect::permit && !permit) {
            permit = pv;
        } else if (pv.effect == Effect::deny && !first_deny) {
            first_deny = pv;
        }
    }
    return permit ? *permit : *first_deny;
}

std::string ReleaseContext::Impl::miss_words(const Candidate& c, Miss miss, const PartyView& view,
                                             const DocumentFacts& doc) const {
    const Roi& roi = *c.roi;
    const std::string me = name_of(*facts, view.party->id);
    switch (miss) {
    case Miss::revoked:
        return "revoked" + (roi.revoked_at ? " on " + format_date(*roi.revoked_at) : std::string()) +
               (roi.revoked_by ? " by " + name_of(*facts, *roi.revoked_by) : std::string()) +
               "; a revocation takes effect when received (rule 7)";
    case Miss::recipient_revoked: {
        const auto& rc = roi.recipients[c.recipient];
        return "revoked for " + me + (rc.revoked_at ? " on " + format_date(*rc.revoked_at) : std::string()) +
               (rc.revoked_by ? " by " + name_of(*facts, *rc.revoked_by) : std::string()) + " (rule 7)";
    }
    case Miss::superseded:
        return "superseded" + (roi.superseded_by ? " by ROI " + *roi.superseded_by : std::string());
    case Miss::not_in_force:
        return "not in force: it is " + std::string(to_string(roi.state)) + " (signed by " +
               signers_of(*facts, roi) + ")";
    case Miss::expired:
        return "expired" + (c.end ? " on " + format_date(*c.end) : std::string());
    case Miss::not_yet_valid:
        return "not valid yet" +
               (roi.valid_from ? ": it starts on " + format_date(*roi.valid_from) : std::string());
    case Miss::suspended:
        return "suspended pending clinician review" +
               (roi.suspension_reason.empty() ? std::string() : ": " + roi.suspension_reason) + " (rule 8)";
    case Miss::defective:
        return "defective: " + describe_defects(validate_roi(roi, *facts, policy));
    case Miss::direction:
        return "it only covers information flowing to the clinician, not from the clinician to " + me;
    case Miss::custody_changed:
    case Miss::subject_adult:
    case Miss::no_authority:
        return c.authority_text;
    case Miss::purpose: {
        std::vector<std::string> listed;
        for (const auto p : roi.purposes) {
            listed.emplace_back(to_string(p));
        }
        return "its purposes (" + join(listed, ", ") + ") do not include the purpose of this request";
    }
    case Miss::subject_mismatch:
        return "it is about " + name_of(*facts, roi.subject) + ", who is not a subject of this document";
    case Miss::scope:
        return "it does not cover a " + document_words(doc);
    case Miss::date_range:
        return "this document (" + format_date(doc.created_at) + ") is outside the date range it covers";
    case Miss::sensitivity:
        if (doc.sensitivity.has(Sensitivity::psychotherapy_notes)) {
            return "psychotherapy notes need an authorization of their own (45 CFR 164.508(a)(2))";
        }
        return "the document holds substance use disorder information the ROI does not explicitly cover "
               "(42 CFR 2.31)";
    case Miss::none:
        break;
    }
    return "it applies";
}

std::string ReleaseContext::Impl::candidate_note(const Candidate& c, const PartyView& view,
                                                 const DocumentFacts& doc) const {
    Miss miss = document_miss(c, doc);
    if (c.standing != Miss::none || miss == Miss::none) {
        miss = c.standing;
    }
    return "ROI " + c.roi->id + " (" + name_of(*facts, c.roi->subject) + "'s information, signed by " +
           signers_of(*facts, *c.roi) + "): " + miss_words(c, miss, view, doc);
}

void ReleaseContext::Impl::add_roi_notes(const PartyView& view, const DocumentFacts& doc, Decision& d) const {
    for (const auto& c : view.candidates) {
        std::string note = candidate_note(c, view, doc);
        if (!d.permitted() && note.ends_with(": it applies")) {
            note.resize(note.size() - std::string_view("it applies").size());
            note += "it covers this document, but " + std::string(to_string(d.rule)) + " decides";
        }
        d.notes.push_back(std::move(note));
    }
    for (const auto* roi : view.names_predecessor) {
        const Party* named = nullptr;
        for (const auto& rc : roi->recipients) {
            const Party* p = find_party(*facts, rc.party);
            if (rc.kind == RecipientKind::party && p != nullptr && p->successor &&
                *p->successor == view.party->id) {
                named = p;
            }
        }
        d.notes.push_back("ROI " + roi->id + " names " +
                          (named != nullptr ? named->name : std::string("a predecessor")) +
                          " individually; it does not pass to " + name_of(*facts, view.party->id) +
                          " as successor counsel (rule 9)");
    }
}

Decision ReleaseContext::Impl::render(const Verdict& v, const DocumentFacts& doc) const {
    Decision d;
    d.effect = v.effect;
    d.rule = v.rule;
    d.basis.kind = v.basis;
    const std::string who = v.view != nullptr ? party_label(*facts, v.view->party->id)
                            : !request.requester.parties.empty()
                                ? party_label(*facts, request.requester.parties.front())
                                : "user " + request.requester.user;
    const std::string what = "this " + document_words(doc);
    const auto redisclosure = [&d] {
        d.obligations.push_back(
            Obligation{ObligationKind::redisclosure_notice,
                       "The recipient may not further disclose this information without a new "
                       "written authorization (CA Civil Code 56.13)."});
    };
    const auto part2 = [&d, &doc] {
        if (doc.sensitivity.has(Sensitivity::substance_use)) {
            d.obligations.push_back(
                Obligation{ObligationKind::part2_notice,
                           "This record holds substance use disorder information protected by "
                           "42 CFR part 2; it may not be redisclosed except as part 2 permits "
                           "(42 CFR 2.32)."});
        }
    };

    switch (v.rule) {
    case RuleCode::wrong_case:
        d.reason = "Denied: the document does not belong to this case.";
        break;
    case RuleCode::not_a_party:
        d.reason = "Denied: " + who + " has no active part in this case.";
        break;
    case RuleCode::counsel_substituted:
        if (v.view == nullptr) {
            d.reason = "Denied: " + who +
                       " was substituted as counsel; access ended when the substitution was "
                       "recorded (rule 9).";
        } else {
            d.reason =
                "Denied: the only ROI that would cover " + what + " names " + who +
                "'s predecessor individually, and an ROI naming an individual lawyer does not pass to the "
                "successor (rule 9).";
        }
        break;
    case RuleCode::clinician:
        d.reason = "Permitted: the case's clinician sees every document of the case.";
        break;
    case RuleCode::own_record:
        d.reason = "Permitted: " + who + " uploaded or wrote " + what + " (own record, rule 1).";
        break;
    case RuleCode::own_information:
        d.reason = "Permitted: " + who + " is the only subject of " + what + " (right of access, rule 1).";
        break;
    case RuleCode::letter_unreleased:
        d.reason =
            "Denied: " + what + " is " +
            std::string(doc.letter ? to_string(doc.letter->state) : std::string_view("not yet released")) +
            "; until the clinician approves and releases it only its author and the clinician see it.";
        break;
    case RuleCode::letter_release:
        d.reason = "Permitted: the clinician released " + what + " to " + who + ".";
        d.obligations.push_back(
            Obligation{ObligationKind::use_limit, "Released for the child's therapeutic work only."});
        redisclosure();
        break;
    case RuleCode::envelope_party:
        d.basis.ids.push_back(doc.envelope->envelope);
        d.reason = "Permitted: " + who + " is a party to executed envelope " + doc.envelope->envelope +
                   " and receives the executed copy.";
        break;
    case RuleCode::court_order_compels:
        d.basis.ids.push_back(v.order->id);
        d.reason = "Permitted: " + order_label(*v.order) + " compels release of " + what + " to " + who +
                   (v.compel->text.empty() ? "." : ": \"" + v.compel->text + "\".");
        d.obligations.push_back(
            Obligation{ObligationKind::use_limit,
                       "Released under " + order_label(*v.order) + ": use only as the order directs."});
        part2();
        break;
    case RuleCode::agreement_allowance:
        d.basis.ids.push_back(agreement->document);
        d.reason = "Permitted: the reunification agreement allows " + std::string(to_string(doc.category)) +
                   " records to go to " + who + (v.closed ? " even in a closed process (rule 6)." : ".");
        d.obligations.push_back(Obligation{
            ObligationKind::use_limit, "Released under the reunification agreement: only for the purposes it "
                                       "states."});
        redisclosure();
        break;
    case RuleCode::order_restriction: {
        d.basis.ids.push_back(v.order->id);
        d.reason = "Denied: " + order_label(*v.order) + " restricts sharing this information with " + who +
                   (v.restriction->text.empty() ? "." : ": \"" + v.restriction->text + "\"") +
                   " No ROI or agreement can override a court order's restriction (rules 2 and 4).";
        const Verdict would = permits_for(*v.view, doc);
        if (would.effect == Effect::permit) {
            d.reason +=
                " Without the order, " + std::string(to_string(would.rule)) + " would have permitted it.";
        }
        break;
    }
    case RuleCode::protective_order: {
        d.basis.ids.push_back(v.order->id);
        std::vector<std::string> shown;
        for (const auto& p : v.protective->protected_parties) {
            if (contains(doc.contact_details_of, p)) {
                shown.push_back(name_of(*facts, p));
            }
        }
        d.reason = "Denied: " + order_label(*v.order) + " protects " + join(shown, " and ") + " from " + who +
                   ", and " + what + " shows their contact details (rule 2).";
        break;
    }
    case RuleCode::closed_process: {
        d.reason = "Denied: the case is a closed process for " + what +
                   "; nothing reaches attorneys or the court beyond what the reunification agreement allows" +
                   (agreement == nullptr ? " (no executed agreement is on file)" : "") +
                   ", and no court order compels this release (rule 6).";
        break;
    }
    case RuleCode::roi_permits: {
        std::vector<const Candidate*> used;
        Verdict again;
        match_rois(*v.view, doc, again, &used);
        std::vector<std::string> parts;
        std::vector<std::string> purposes_listed;
        std::optional<UnixTime> end;
        for (const auto* c : used) {
            d.basis.ids.push_back(c->roi->id);
            parts.push_back("ROI " + c->roi->id + " (" + name_of(*facts, c->roi->subject) +
                            "'s information, signed by " + signers_of(*facts, *c->roi) + ")");
            for (const auto p : c->roi->purposes) {
                const std::string name(to_string(p));
                if (!contains(purposes_listed, name)) {
                    purposes_listed.push_back(name);
                }
            }
            if (c->end && (!end || *c->end < *end)) {
                end = c->end;
            }
        }
        d.reason = "Permitted: " + join(parts, " and ") + " names " + who + " and covers " + what + ".";
        redisclosure();
        d.obligations.push_back(
            Obligation{ObligationKind::use_limit, "Use only for: " + join(purposes_listed, ", ") + "."});
        if (end) {
            d.obligations.push_back(
                Obligation{ObligationKind::expiry, "The authorization ends on " + format_date(*end) + "."});
        }
        part2();
        break;
    }
    default: {
        // Every ROI-based deny and the default deny.
        if (v.view == nullptr) {
            d.reason = "Denied: no legal basis allows this release (rule 1).";
        } else if (v.no_subjects) {
            d.reason = "Denied: " + what + " has no recorded subject, so no ROI can cover it.";
        } else if (v.closest != nullptr) {
            d.basis.kind = BasisKind::roi;
            d.basis.ids.push_back(v.closest->roi->id);
            d.reason = "Denied: no ROI in force covers " + what + " for " + who + ". Closest: ROI " +
                       v.closest->roi->id + " (" + name_of(*facts, v.closest->roi->subject) +
                       "'s information): " + miss_words(*v.closest, v.closest_miss, *v.view, doc) + ".";
        } else if (v.uncovered != nullptr) {
            d.reason = "Denied: no ROI names " + who + " as a recipient of " + name_of(*facts, *v.uncovered) +
                       "'s information, and no court order or other basis allows it (rule 1).";
        } else {
            d.reason = "Denied: no ROI, court order or other legal basis allows " + who + " to receive " +
                       what + " (rule 1).";
        }
        break;
    }
    }
    if (v.view != nullptr) {
        add_roi_notes(*v.view, doc, d);
    }
    return d;
}

ReleaseContext::ReleaseContext(const CaseFacts& facts, ReleaseRequest request, Policy policy)
    : m_impl(std::make_unique<Impl>(facts, std::move(request), policy)) {}
ReleaseContext::~ReleaseContext() = default;
ReleaseContext::ReleaseContext(ReleaseContext&&) noexcept = default;
ReleaseContext& ReleaseContext::operator=(ReleaseContext&&) noexcept = default;

Decision ReleaseContext::decide(const DocumentFacts& document) const {
    return m_impl->render(m_impl->evaluate(document), document);
}

bool ReleaseContext::permits(const DocumentFacts& document) const {
    return m_impl->evaluate(document).effect == Effect::permit;
}

bool ReleaseContext::contact_details_visible(const PartyId& party) const {
    if (m_impl->clinician) {
        return true;
    }
    for (const auto& view : m_impl->views) {
        for (const auto& [order, p] : view.protective) {
            if (contains(p->protected_parties, party)) {
                return false;
            }
        }
    }
    return true;
}

bool ReleaseContext::requester_is_clinician() const {
    return m_impl->clinician;
}

Requester requester_for_user(const CaseFacts& facts, const UserId& user, AccountKind account) {
    Requester r;
    r.user = user;
    r.account = account;
    if (user.empty()) {
        return r;
    }
    for (const auto& p : facts.parties) {
        if (p.user == user) {
            r.parties.push_back(p.id);
        }
    }
    return r;
}

Requester requester_as_party(const CaseFacts& facts, const PartyId& party) {
    Requester r;
    if (const Party* p = find_party(facts, party); p != nullptr) {
        r.parties.push_back(p->id);
    }
    return r;
}

} // namespace kinvault::domain
