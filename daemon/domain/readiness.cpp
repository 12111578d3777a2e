#include "domain/readiness.h"

#include "domain/algo.h"

#include <array>
#include <string>

namespace kinvault::domain {

using detail::contains;

bool link_in_force(LinkState s) {
    return s == LinkState::active || s == LinkState::expiring;
}

namespace {

constexpr std::array<DecisionSubject, 2> k_coordination_subjects{DecisionSubject::mental_health_treatment,
                                                                 DecisionSubject::release_of_information};

std::string name_of(const CaseFacts& facts, const PartyId& id) {
    const Party* p = find_party(facts, id);
    return p != nullptr && !p->name.empty() ? p->name : id;
}

std::string flow_words(const CaseFacts& facts, const Party& child, const Party& therapist, Direction d) {
    if (d == Direction::clinician_to_recipient) {
        return "letting the clinician share information about " + name_of(facts, child.id) + " with " +
               name_of(facts, therapist.id);
    }
    return "letting " + name_of(facts, therapist.id) + " share information about " +
           name_of(facts, child.id) + " with the clinician";
}

bool names_therapist(const Roi& roi, const Party& therapist, const PartyId& child, UnixTime now,
                     bool& recipient_revoked) {
    for (const auto& rc : roi.recipients) {
        const bool match = (rc.kind == RecipientKind::party && rc.party == therapist.id) ||
                           (rc.kind == RecipientKind::therapist_of && rc.party == child);
        if (match) {
            recipient_revoked = rc.revoked_at && *rc.revoked_at <= now;
            return true;
        }
    }
    return false;
}

AuthoriserLink best_link(const CaseFacts& facts, const Party& child, const Party& therapist,
                         const RequiredSigner& who, Direction direction, UnixTime now, const Policy& policy) {
    AuthoriserLink link;
    link.authoriser = who.party;
    link.authoriser_name = name_of(facts, who.party);
    link.capacity = who.capacity;
    link.direction = direction;
    link.state = LinkState::missing;
    link.detail = "no ROI signed by " + link.authoriser_name;
    const UnixTime window = static_cast<UnixTime>(policy.expiring_window_days) * 86400;

    for (const auto& roi : facts.rois) {
        if (roi.subject != child.id || roi.kind != RoiKind::general) {
            continue;
        }
        bool recipient_revoked = false;
        if (!names_therapist(roi, therapist, child.id, now, recipient_revoked)) {
            continue;
        }
        const bool flows = direction == Direction::clinician_to_recipient ? covers_outbound(roi.direction)
                                                                          : covers_inbound(roi.direction);
        const bool for_coordination = contains(roi.purposes, Purpose::coordination_of_care) ||
                                      contains(roi.purposes, Purpose::treatment);
        if (!flows || !for_coordination) {
            continue;
        }
        const bool signed_by = std::any_of(roi.signatures.begin(), roi.signatures.end(),
                                           [&who](const RoiSignature& s) { return s.signer == who.party; });
        LinkState state = LinkState::missing;
        std::string detail;
        std::optional<UnixTime> ends;
        switch (roi.state) {
        case RoiState::draft:
            if (link.state == LinkState::missing) {
                link.detail = "ROI " + roi.id + " is drafted but not yet sent for signature";
            }
            continue;
        case RoiState::superseded:
            continue;
        case RoiState::pending_signatures:
            state = LinkState::pending;
            detail = signed_by ? "ROI " + roi.id + " signed by " + link.authoriser_name +
                                     ", waiting for other signatures"
                               : "ROI " + roi.id + " is waiting for " + link.authoriser_name + "'s signature";
            break;
        case RoiState::expired:
        case RoiState::revoked:
        case RoiState::suspended:
            if (!signed_by) {
                continue;
            }
            state = roi.state == RoiState::expired   ? LinkState::expired
                    : roi.state == RoiState::revoked ? LinkState::revoked
                                                     : LinkState::suspended;
            detail = "ROI " + roi.id + " is " + std::string(to_string(roi.state));
            if (roi.state == RoiState::revoked && roi.revoked_at) {
                detail += " since " + format_date(*roi.revoked_at);
            }
            break;
        case RoiState::active: {
            if (!signed_by) {
                continue;
            }
            ends = roi_end(roi, facts, policy);
            const auto check = check_authorisation(roi, facts, now, policy);
            if (recipient_revoked || (roi.revoked_at && *roi.revoked_at <= now)) {
                state = LinkState::revoked;
                detail = "ROI " + roi.id + " was revoked for " + name_of(facts, therapist.id);
            } else if (ends && *ends <= now) {
                state = LinkState::expired;
                detail = "ROI " + roi.id + " expired on " + format_date(*ends);
            } else if (!check.satisfied) {
                state = LinkState::suspended;
                detail = "ROI " + roi.id + ": " + check.explanation;
            } else if (ends && *ends - now <= window) {
                state = LinkState::expiring;
                detail = "ROI " + roi.id + " ends on " + format_date(*ends);
            } else {
                state = LinkState::active;
                detail = "ROI " + roi.id + (ends ? " in force until " + format_date(*ends) : " in force");
            }
            break;
        }
        }
        const bool better = state > link.state || (state == link.state && link_in_force(state) && ends &&
                                                   link.ends_at && *ends > *link.ends_at);
        if (better) {
            link.state = state;
            link.roi = roi.id;
            link.ends_at = link_in_force(state) ? ends : std::nullopt;
            link.detail = detail;
        }
    }
    return link;
}

TherapistReadiness assess_therapist(const CaseFacts& facts, const Party& child, const Party& therapist,
                                    UnixTime now, const Policy& policy) {
    TherapistReadiness tr;
    tr.therapist = therapist.id;
    tr.therapist_name = name_of(facts, therapist.id);
    const auto req = required_authorisers(facts, child.id, k_coordination_subjects,
                                          therapist.minor_consented_treatment, now, policy);
    tr.mode = req.mode;
    tr.requirement = req.explanation;
    if (!req.satisfiable) {
        tr.missing.push_back("Nobody can sign yet: " + req.explanation + ".");
        return tr;
    }
    bool ready = true;
    for (const Direction d : {Direction::clinician_to_recipient, Direction::recipient_to_clinician}) {
        std::vector<AuthoriserLink> links;
        for (const auto& signer : req.signers) {
            links.push_back(best_link(facts, child, therapist, signer, d, now, policy));
        }
        const auto in_force = [](const AuthoriserLink& l) { return link_in_force(l.state); };
        const bool satisfied = req.mode == RequirementMode::all_of
                                   ? std::all_of(links.begin(), links.end(), in_force)
                                   : std::any_of(links.begin(), links.end(), in_force);
        const std::string flow = flow_words(facts, child, therapist, d);
        if (!satisfied) {
            ready = false;
            if (req.mode == RequirementMode::any_of) {
                std::string who;
                std::string states;
                for (std::size_t i = 0; i < links.size(); ++i) {
                    who += (i == 0 ? "" : (i + 1 == links.size() ? " or " : ", ")) + links[i].authoriser_name;
                    states += (i == 0 ? "" : "; ") + links[i].authoriser_name + ": " +
                              std::string(to_string(links[i].state)) + " (" + links[i].detail + ")";
                }
                std::string line = "Needs an ROI signed by ";
                line += who;
                line += ' ';
                line += flow;
                line += ". Now: ";
                line += states;
                line += '.';
                tr.missing.push_back(std::move(line));
            } else {
                for (const auto& l : links) {
                    if (!in_force(l)) {
                        tr.missing.push_back(l.authoriser_name + " must sign an ROI " + flow + " (" +
                                             tr.requirement + "). Now: " + std::string(to_string(l.state)) +
                                             " (" + l.detail + ").");
                    }
                }
            }
        }
        tr.links.insert(tr.links.end(), links.begin(), links.end());
    }
    tr.ready = ready;
    return tr;
}

} // namespace

CaseReadiness assess_readiness(const CaseFacts& facts, UnixTime now, const Policy& policy) {
    CaseReadiness out;
    out.has_current_order_or_plan = std::any_of(facts.orders.begin(), facts.orders.end(),
                                                [now](const CourtOrder& o) { return order_counts(o, now); });
    if (!out.has_current_order_or_plan) {
        out.problems.push_back(
            "No verified, current court order or support plan is on file; the clinician must hold "
            "the most recent one.");
    }
    bool all_children_ready = true;
    for (const auto& p : facts.parties) {
        if (p.role != Role::child || !is_active(p)) {
            continue;
        }
        ChildReadiness cr;
        cr.child = p.id;
        cr.child_name = name_of(facts, p.id);
        const auto therapists = therapists_of(facts, p.id);
        bool ready = !therapists.empty();
        if (therapists.empty()) {
            cr.problems.push_back(cr.child_name +
                                  " has no individual therapist on record; every child needs one for "
                                  "the whole of the reunification work.");
        }
        for (const Party* t : therapists) {
            cr.therapists.push_back(assess_therapist(facts, p, *t, now, policy));
            ready = ready && cr.therapists.back().ready;
        }
        cr.ready = ready;
        all_children_ready = all_children_ready && ready;
        out.children.push_back(std::move(cr));
    }
    if (out.children.empty()) {
        out.problems.push_back("No child is on record for this case.");
    }
    out.ready = !out.children.empty() && all_children_ready &&
                (out.has_current_order_or_plan || !policy.readiness_requires_order_or_plan);
    return out;
}

} // namespace kinvault::domain
