#include "domain/case_facts.h"

#include <algorithm>

namespace kinvault::domain {

const Party* find_party(const CaseFacts& facts, const PartyId& id) {
    for (const auto& p : facts.parties) {
        if (p.id == id) {
            return &p;
        }
    }
    return nullptr;
}

const Roi* find_roi(const CaseFacts& facts, const RoiId& id) {
    for (const auto& r : facts.rois) {
        if (r.id == id) {
            return &r;
        }
    }
    return nullptr;
}

const CourtOrder* find_order(const CaseFacts& facts, const OrderId& id) {
    for (const auto& o : facts.orders) {
        if (o.id == id) {
            return &o;
        }
    }
    return nullptr;
}

ProcessMode mode_at(const CaseFacts& facts, UnixTime at) {
    if (facts.mode_history.empty()) {
        return ProcessMode::closed;
    }
    // The earliest entry is the mode the case opened with, also for documents dated before the case.
    const auto by_time = [](const ModeChange& a, const ModeChange& b) {
        return a.effective_from < b.effective_from;
    };
    const ModeChange* governing = nullptr;
    for (const auto& change : facts.mode_history) {
        if (change.effective_from <= at && (governing == nullptr || !by_time(change, *governing))) {
            governing = &change;
        }
    }
    if (governing == nullptr) {
        governing = &*std::min_element(facts.mode_history.begin(), facts.mode_history.end(), by_time);
    }
    return governing->mode;
}

std::vector<const Party*> therapists_of(const CaseFacts& facts, const PartyId& child) {
    std::vector<const Party*> out;
    for (const auto& p : facts.parties) {
        if (p.role == Role::child_therapist && is_active(p) && p.treats && *p.treats == child) {
            out.push_back(&p);
        }
    }
    return out;
}

std::string party_label(const CaseFacts& facts, const PartyId& id) {
    const Party* p = find_party(facts, id);
    if (p == nullptr) {
        return "party " + id;
    }
    std::string label = p->name.empty() ? p->id : p->name;
    label += " (";
    label += to_string(p->role);
    if (p->represents) {
        label += " for ";
        const Party* client = find_party(facts, *p->represents);
        label += client != nullptr && !client->name.empty() ? client->name : *p->represents;
    }
    label += ")";
    return label;
}

} // namespace kinvault::domain
