#include "domain/authority.h"

#include "domain/algo.h"

#include <string>

namespace kinvault::domain {

using detail::contains;
using detail::intersects;

namespace {

bool covers_child(const std::vector<PartyId>& children, const PartyId& child) {
    return children.empty() || contains(children, child);
}

bool later(const CourtOrder& a, const CourtOrder& b) {
    if (a.effective_at != b.effective_at) {
        return a.effective_at > b.effective_at;
    }
    if (a.issued_at != b.issued_at) {
        return a.issued_at > b.issued_at;
    }
    return a.id > b.id;
}

std::string names_of(const CaseFacts& facts, const std::vector<RequiredSigner>& signers,
                     std::string_view joiner) {
    std::string out;
    for (std::size_t i = 0; i < signers.size(); ++i) {
        if (i > 0) {
            out += i + 1 == signers.size() ? joiner : ", ";
        }
        const Party* p = find_party(facts, signers[i].party);
        out += p != nullptr && !p->name.empty() ? p->name : signers[i].party;
    }
    return out;
}

std::string name_of(const CaseFacts& facts, const PartyId& id) {
    const Party* p = find_party(facts, id);
    return p != nullptr && !p->name.empty() ? p->name : id;
}

std::string source_text(const CaseFacts& facts, const AuthorityRef& source) {
    if (source.kind == AuthorityKind::court_order) {
        const CourtOrder* o = find_order(facts, source.id);
        if (o != nullptr && !o->case_number.empty()) {
            return "court order " + o->case_number;
        }
        return "court order " + source.id;
    }
    if (source.kind == AuthorityKind::custody_record) {
        return "custody record " + source.id;
    }
    return "no recorded authority";
}

bool capacity_fits(SignerCapacity required, SignerCapacity signed_as) {
    const auto representative = [](SignerCapacity c) {
        return c == SignerCapacity::parent_legal_custody || c == SignerCapacity::guardian;
    };
    if (representative(required)) {
        return representative(signed_as);
    }
    return required == signed_as;
}

} // namespace

LegalCustody legal_custody_of(const CaseFacts& facts, const PartyId& child, UnixTime at) {
    LegalCustody out;
    const CourtOrder* governing = nullptr;
    const CustodyTerms* terms = nullptr;
    for (const auto* order : orders_in_force(facts.orders, SubjectArea::legal_custody, at)) {
        for (const auto& t : order->custody) {
            if (covers_child(t.children, child) && (governing == nullptr || later(*order, *governing))) {
                governing = order;
                terms = &t;
            }
        }
    }
    if (governing != nullptr && terms != nullptr) {
        out.known = true;
        out.kind = terms->kind;
        out.holders = terms->holders;
        out.source = AuthorityRef{AuthorityKind::court_order, governing->id};
        for (const auto& mc : governing->mutual_consent) {
            if (covers_child(mc.children, child)) {
                out.mutual_consent.insert(out.mutual_consent.end(), mc.subjects.begin(), mc.subjects.end());
            }
        }
        return out;
    }
    const CustodyRecord* record = nullptr;
    for (const auto& r : facts.custody_records) {
        if (r.verified && r.child == child && r.recorded_at <= at &&
            (record == nullptr || r.recorded_at >= record->recorded_at)) {
            record = &r;
        }
    }
    if (record != nullptr) {
        out.known = true;
        out.kind = record->kind;
        out.holders = record->holders;
        out.source = AuthorityRef{AuthorityKind::custody_record, record->id};
    }
    return out;
}

AuthorisationRequirement required_authorisers(const CaseFacts& facts, const PartyId& subject_id,
                                              std::span<const DecisionSubject> subjects, bool minor_consented,
                                              UnixTime at, const Policy& policy) {
    AuthorisationRequirement req;
    req.subject = subject_id;
    const Party* subject = find_party(facts, subject_id);
    if (subject == nullptr) {
        req.explanation = "the subject is not a party of this case, so nobody can authorise";
        return req;
    }
    const std::string name = subject->name.empty() ? subject->id : subject->name;
    if (is_adult(*subject, at, policy)) {
        req.signers.push_back(RequiredSigner{subject->id, SignerCapacity::self});
        req.satisfiable = true;
        if (subject->role == Role::child) {
            req.explanation = name + " is " + std::to_string(policy.age_of_majority) + " or older; only " +
                              name + " can authorise now (rule 10)";
        } else {
            req.explanation = name + " authorises the release of their own information";
        }
        return req;
    }
    if (minor_consented) {
        const auto age = age_at(*subject, at);
        if (age && *age >= policy.minor_consent_age) {
            req.signers.push_back(RequiredSigner{subject->id, SignerCapacity::minor_self});
            req.satisfiable = true;
            req.explanation = name + " consented to these services personally (age " +
                              std::to_string(policy.minor_consent_age) + " or older); only " + name +
                              " can authorise their release";
        } else {
            req.explanation = "these are services " + name + " consented to personally, but " +
                              (age ? name + " is under " + std::to_string(policy.minor_consent_age)
                                   : name + "'s date of birth is not on record") +
                              ", so nobody can authorise their release";
        }
        return req;
    }
    const LegalCustody custody = legal_custody_of(facts, subject->id, at);
    if (!custody.known || custody.holders.empty()) {
        req.explanation =
            "no legal custody is on record for " + name +
            ": record the custody order or a verified custody record before anyone can authorise";
        return req;
    }
    for (const auto& holder : custody.holders) {
        const Party* h = find_party(facts, holder);
        const bool parent = h != nullptr && h->role == Role::parent;
        req.signers.push_back(
            RequiredSigner{holder, parent ? SignerCapacity::parent_legal_custody : SignerCapacity::guardian});
    }
    req.authority = custody.source;
    req.satisfiable = true;
    const std::vector<DecisionSubject> wanted(subjects.begin(), subjects.end());
    const bool mutual = custody.kind == CustodyKind::joint && intersects(custody.mutual_consent, wanted);
    req.mode = mutual ? RequirementMode::all_of : RequirementMode::any_of;
    const std::string source = source_text(facts, custody.source);
    if (custody.kind == CustodyKind::sole || req.signers.size() == 1) {
        req.explanation = names_of(facts, req.signers, " and ") + " holds sole legal custody of " + name +
                          " (" + source + ") and must sign";
    } else if (mutual) {
        req.explanation = names_of(facts, req.signers, " and ") + " hold joint legal custody of " + name +
                          " and " + source + " requires mutual consent for this, so " +
                          (req.signers.size() == 2 ? "both" : "all of them") + " must sign";
    } else {
        req.explanation = names_of(facts, req.signers, " and ") + " hold joint legal custody of " + name +
                          " (" + source + "); either alone can sign";
    }
    return req;
}

AuthorisationCheck check_authorisation(const Roi& roi, const CaseFacts& facts, UnixTime at,
                                       const Policy& policy) {
    AuthorisationCheck check;
    check.requirement = required_authorisers(facts, roi.subject, roi.decision_subjects,
                                             roi.minor_consented_services, at, policy);
    const auto& req = check.requirement;
    const Party* subject = find_party(facts, roi.subject);
    const bool adult = subject != nullptr && is_adult(*subject, at, policy);
    const LegalCustody custody =
        subject != nullptr && !adult ? legal_custody_of(facts, subject->id, at) : LegalCustody{};

    bool self_signed = false;
    for (const auto& sig : roi.signatures) {
        if (sig.signed_at > at) {
            continue;
        }
        if (sig.signer == roi.subject && sig.capacity == SignerCapacity::self) {
            self_signed = true;
        }
        const bool representative =
            sig.capacity == SignerCapacity::parent_legal_custody || sig.capacity == SignerCapacity::guardian;
        // Lost authority (rule 8) means held when signing, not held now. A signature by someone who never
        // held custody simply does not count towards the requirement.
        const bool reviewed =
            roi.reviewed_at && *roi.reviewed_at <= at &&
            !contains(legal_custody_of(facts, roi.subject, *roi.reviewed_at).holders, sig.signer);
        if (representative && !adult && !reviewed && !contains(custody.holders, sig.signer) &&
            contains(legal_custody_of(facts, roi.subject, sig.signed_at).holders, sig.signer)) {
            check.lost_authority.push_back(sig.signer);
        }
    }
    check.subject_now_adult = adult && subject->role == Role::child && !self_signed;

    std::size_t signed_count = 0;
    for (const auto& required : req.signers) {
        const bool has =
            std::any_of(roi.signatures.begin(), roi.signatures.end(), [&](const RoiSignature& s) {
                return s.signed_at <= at && s.signer == required.party &&
                       capacity_fits(required.capacity, s.capacity);
            });
        if (has) {
            ++signed_count;
        } else {
            check.missing.push_back(required.party);
        }
    }
    const bool enough = req.mode == RequirementMode::all_of
                            ? signed_count == req.signers.size() && signed_count > 0
                            : signed_count > 0;
    check.satisfied = req.satisfiable && enough && check.lost_authority.empty() && !check.subject_now_adult;
    if (check.satisfied) {
        check.missing.clear();
        check.explanation = "authorised: " + req.explanation;
    } else if (check.subject_now_adult) {
        check.explanation = name_of(facts, roi.subject) +
                            " is now an adult; a parent's signature no longer authorises and " +
                            name_of(facts, roi.subject) + " has not signed (rule 10)";
    } else if (!check.lost_authority.empty()) {
        std::string who;
        for (const auto& p : check.lost_authority) {
            who += (who.empty() ? "" : ", ") + name_of(facts, p);
        }
        check.explanation = who + " signed as legal custodian but no longer holds legal custody of " +
                            name_of(facts, roi.subject) + "; suspended pending clinician review (rule 8)";
    } else if (!req.satisfiable) {
        check.explanation = req.explanation;
    } else {
        std::string who;
        for (std::size_t i = 0; i < check.missing.size(); ++i) {
            if (i > 0) {
                who += i + 1 == check.missing.size()
                           ? (req.mode == RequirementMode::any_of ? " or " : " and ")
                           : ", ";
            }
            who += name_of(facts, check.missing[i]);
        }
        check.explanation =
            "not authorised yet: needs the signature of " + who + " (" + req.explanation + ")";
    }
    return check;
}

std::vector<RoiNeedingReview> rois_needing_review(const CaseFacts& facts, UnixTime at, const Policy& policy) {
    std::vector<RoiNeedingReview> out;
    for (const auto& roi : facts.rois) {
        if (roi.state != RoiState::active) {
            continue;
        }
        const auto check = check_authorisation(roi, facts, at, policy);
        if (check.subject_now_adult) {
            std::vector<PartyId> signers;
            for (const auto& s : roi.signatures) {
                signers.push_back(s.signer);
            }
            out.push_back(
                RoiNeedingReview{roi.id, ReviewReason::subject_reached_majority, signers, check.explanation});
        } else if (!check.lost_authority.empty()) {
            out.push_back(RoiNeedingReview{roi.id, ReviewReason::custody_changed, check.lost_authority,
                                           check.explanation});
        }
    }
    return out;
}

Status may_revoke(const Roi& roi, const PartyId& who, const CaseFacts& facts, UnixTime at,
                  const Policy& policy) {
    const Party* p = find_party(facts, who);
    if (p == nullptr || !is_active(*p)) {
        return make_error(Errc::forbidden, "only an active party of the case can revoke an ROI");
    }
    for (const auto& s : roi.signatures) {
        if (s.signer == who) {
            return {};
        }
    }
    const Party* subject = find_party(facts, roi.subject);
    if (who == roi.subject && subject != nullptr && is_adult(*subject, at, policy)) {
        return {};
    }
    if (subject != nullptr && !is_adult(*subject, at, policy) && policy.joint_custodian_may_revoke) {
        const LegalCustody custody = legal_custody_of(facts, subject->id, at);
        if (contains(custody.holders, who)) {
            return {};
        }
    }
    return make_error(Errc::forbidden,
                      name_of(facts, who) +
                          " did not sign this ROI and holds no authority to revoke it (rule 7)");
}

} // namespace kinvault::domain
