#include "domain/party.h"

#include <chrono>

namespace kinvault::domain {

UnixTime day_reaching_age(UnixTime date_of_birth, int years) {
    namespace chr = std::chrono;
    const chr::sys_days birth_day = chr::floor<chr::days>(chr::sys_seconds{chr::seconds{date_of_birth}});
    const chr::year_month_day birth{birth_day};
    const chr::year_month_day target{birth.year() + chr::years{years}, birth.month(), birth.day()};
    chr::sys_days reached;
    if (target.ok()) {
        reached = chr::sys_days{target};
    } else {
        // Only 29 February in a common year gets here.
        reached = chr::sys_days{target.year() / target.month() / chr::last} + chr::days{1};
    }
    return chr::duration_cast<chr::seconds>(reached.time_since_epoch()).count();
}

std::optional<int> age_at(const Party& p, UnixTime at) {
    namespace chr = std::chrono;
    if (!p.date_of_birth) {
        return std::nullopt;
    }
    if (at < *p.date_of_birth) {
        return 0;
    }
    const chr::year_month_day birth{chr::floor<chr::days>(chr::sys_seconds{chr::seconds{*p.date_of_birth}})};
    const chr::year_month_day now{chr::floor<chr::days>(chr::sys_seconds{chr::seconds{at}})};
    int years = static_cast<int>(now.year()) - static_cast<int>(birth.year());
    if (years > 0 && day_reaching_age(*p.date_of_birth, years) > at) {
        --years;
    }
    return years;
}

bool is_adult(const Party& p, UnixTime at, const Policy& policy) {
    if (p.role != Role::child) {
        return true;
    }
    const auto age = age_at(p, at);
    return age && *age >= policy.age_of_majority;
}

} // namespace kinvault::domain
