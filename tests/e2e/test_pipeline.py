"""A rep opens the pipeline board and moves a card: through the project's own confirmation, back to the
board, the card now in the next column."""

import pytest
from playwright.sync_api import expect

from customers.models import Project
from keypoints.stages import StageNumber

from .conftest import PHONE

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [PHONE["viewport"], {"width": 1280, "height": 900}], ids=["375", "1280"])
def test_a_rep_moves_a_card_on_the_board(page, login, viewport):
    page.set_viewport_size(viewport)
    login(page, "rep1")
    project = (
        Project.objects.filter(owner__username="rep1", status="open", stage=StageNumber.LEAD).order_by("pk").first()
    )
    page.goto("/pipeline/")
    lead_column = page.get_by_test_id(f"column-{StageNumber.LEAD}")
    card = lead_column.get_by_test_id("card").filter(has_text=project.name)
    expect(card).to_have_count(1)
    card.get_by_test_id("move-card").click()
    page.get_by_test_id("confirm-advance").click()
    page.wait_for_url("**/pipeline/")
    expect(page.locator("main [role=alert]").first).to_be_visible()
    needs = page.get_by_test_id(f"column-{StageNumber.NEEDS}")
    expect(needs.get_by_test_id("card").filter(has_text=project.name)).to_have_count(1)
    expect(lead_column.get_by_test_id("card").filter(has_text=project.name)).to_have_count(0)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the board scrolls sideways: {width}px"
