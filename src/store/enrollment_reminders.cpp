#include "store/enrollment_reminders.hpp"

#include <string>

namespace livecourse::store_detail {

NotificationPlan enrollment_reminders(const std::vector<Session>& scheduled, std::string_view user, Instant now) {
    NotificationPlan plan;
    plan.now = now;
    plan.recipients.users = std::vector<std::string>{std::string(user)};
    for (const auto& rule : reminder_rules)
        for (const auto& s : scheduled)
            for (auto& n : NotificationPlanner::reminders(s, now))
                if (n.kind == rule.kind) plan.notify.push_back(std::move(n));
    return plan;
}

}  // namespace livecourse::store_detail
