"""The entrance desk: a staff member issues a ticket for a citizen from the console."""

from playwright.sync_api import expect

import browser as real_browser


def test_the_desk_issues_a_priority_ticket_with_a_note_and_counters_see_it(server, console):
    desk = console("thu", 1)
    counter = console("lan", 2)  # counter 2 serves A and B
    desk.get_by_role("button", name="Bàn tiếp đón").click()
    expect(desk.locator("#desk-view")).to_be_visible()
    desk.locator('#desk-categories label[data-category-id="2"]').click()  # B · Chứng thực
    desk.get_by_label("Người cao tuổi").check()
    desk.get_by_label("Ghi chú ngắn").fill("đi xe lăn")
    desk.get_by_role("button", name="Cấp số").click()
    expect(desk.locator("#desk-label")).to_have_text("B001")
    expect(desk.locator("#desk-info")).to_contain_text("Chứng thực · 0 người phía trước")
    real_browser.screenshot(desk, "console", "desk-issued")
    assert real_browser.overflow(desk) == {"x": 0, "y": 0}

    expect(counter.locator("#waiting-list li .ticket-label")).to_have_text(["B001"])
    expect(counter.locator("#waiting-list li")).to_contain_text("Người cao tuổi")
    [ticket] = server.client("staff").get("/api/v1/centers/1/queue").json()["tickets"]
    assert (ticket["source"], ticket["priority_group"], ticket["note"]) == ("desk", "elderly", "đi xe lăn")

    desk.get_by_role("button", name="Cấp số").click()  # a second citizen, same category, no priority
    expect(desk.locator("#desk-label")).to_have_text("B002")
    expect(desk.get_by_label("Không ưu tiên")).to_be_checked()
    assert desk.errors == [] and counter.errors == []
