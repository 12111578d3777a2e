#include "domain/court_order.h"

#include "domain/algo.h"

#include <string>

namespace kinvault::domain {

using detail::contains;

bool order_counts(const CourtOrder& order, UnixTime at) {
    if (order.status != OrderStatus::verified && order.status != OrderStatus::active) {
        return false;
    }
    if (order.effective_at > at) {
        return false;
    }
    return !order.expires_at || at < *order.expires_at;
}

bool order_addresses(const CourtOrder& order, SubjectArea area) {
    if (contains(order.areas, area)) {
        return true;
    }
    for (const auto& s : order.supersedes) {
        if (contains(s.areas, area)) {
            return true;
        }
    }
    switch (area) {
    case SubjectArea::legal_custody:
        return !order.custody.empty() || !order.mutual_consent.empty();
    case SubjectArea::information_sharing:
        return !order.restrictions.empty();
    case SubjectArea::protective:
        return !order.protective.empty();
    case SubjectArea::release:
        return !order.compels.empty();
    case SubjectArea::physical_custody:
    case SubjectArea::contact:
    case SubjectArea::therapy:
        return false;
    }
    return false;
}

bool order_superseded_in(const CourtOrder& order, SubjectArea area, std::span<const CourtOrder> all,
                         UnixTime at) {
    if (order.status == OrderStatus::superseded) {
        return true;
    }
    for (const auto& other : all) {
        if (&other == &order || other.id == order.id || !order_counts(other, at)) {
            continue;
        }
        for (const auto& s : other.supersedes) {
            if (s.order == order.id && (s.areas.empty() || contains(s.areas, area))) {
                return true;
            }
        }
    }
    return false;
}

std::vector<const CourtOrder*> orders_in_force(std::span<const CourtOrder> orders, SubjectArea area,
                                               UnixTime at) {
    std::vector<const CourtOrder*> out;
    for (const auto& o : orders) {
        if (order_counts(o, at) && order_addresses(o, area) && !order_superseded_in(o, area, orders, at)) {
            out.push_back(&o);
        }
    }
    return out;
}

bool order_transition_allowed(OrderStatus from, OrderStatus to) {
    using S = OrderStatus;
    switch (from) {
    case S::received:
        return to == S::verified;
    case S::verified:
        return to == S::active || to == S::superseded || to == S::vacated || to == S::expired;
    case S::active:
        return to == S::superseded || to == S::vacated || to == S::expired;
    case S::superseded:
    case S::vacated:
    case S::expired:
        return false;
    }
    return false;
}

Status verify_order(CourtOrder& order, const UserId& clinician, UnixTime at) {
    if (clinician.empty()) {
        return make_error(Errc::invalid_input, "verifying an order needs the verifying clinician");
    }
    if (!order_transition_allowed(order.status, OrderStatus::verified)) {
        return make_error(Errc::conflict, "only a received order can be verified; this one is " +
                                              std::string(to_string(order.status)));
    }
    order.status = OrderStatus::verified;
    order.status_changed_at = at;
    order.verified_by = clinician;
    order.verified_at = at;
    return {};
}

} // namespace kinvault::domain
