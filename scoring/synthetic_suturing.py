"""The suturing generator's plan: stitch cycles of a needle-driving and a forceps hand around a wound.

Each stitch: the forceps evert the edge while the driver reaches the entry point; the driver's wrist turns
the needle through its curve; the forceps take the needle tip while the driver lets go and regrasps; the
driver pulls the thread through and both hands return. The fingers handle needle, instrument and thread
in the drive, the grips and the pull (synthetic_plans.handle): real fingertips' 4-12 Hz motion comes in
such bursts (scripts/measure_synthetic_realism.py --tremor). scoring/synthetic.py assembles practices.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np

from skillsight.scoring.synthetic_plans import (
    HandPlan,
    PracticeParameters,
    adjustments,
    grip,
    handle,
    new_hand_plan,
    pause,
    reach,
    rotate,
)

# The needle driver's wrist turns the needle through its curve: about 80 degrees, varying stitch to
# stitch, more for less skilled hands.
WRIST_TURN_DEG = 80.0
WRIST_TURN_SD_DEG = (6.0, 20.0)  # expert, novice
FORCEPS_ADJUSTMENT_SHARE = 0.4  # the forceps hand holds still more (real idle share 0.69-0.78)
NOMINAL_ACTIVE_S = 4.6  # s of movement per stitch at slowness 1


def suturing_plans(
    p: PracticeParameters,
    n_stitches: Optional[int],
    duration_s: Optional[float],
    rng: np.random.Generator,
    side: float,
) -> tuple[HandPlan, HandPlan, int]:
    """Needle-driver and forceps plans in hand sizes around the wound (x to the dominant side = +side)."""
    home_d, home_f = np.array([1.6 * side, 1.2]), np.array([-1.6 * side, 1.2])
    driver = new_hand_plan(tuple(home_d), -np.pi / 2)
    forceps = new_hand_plan(tuple(home_f), -np.pi / 2)
    driver.cursor = forceps.cursor = 0.5
    limit = n_stitches if n_stitches is not None else (10**6 if duration_s else 4)
    done = 0
    while done < limit and (duration_s is None or driver.cursor < duration_s - 1.0):
        slowness = p.cycle_time_s * (1.0 - min(p.pause_share, 0.9)) / NOMINAL_ACTIVE_S
        slowness *= float(np.clip(rng.lognormal(0.0, p.cycle_cv), 0.4, 2.5))
        _stitch(driver, forceps, -1.2 + 0.35 * (done % 8), slowness, side, p, rng)
        forceps.cursor = max(forceps.cursor, driver.cursor - 0.5 * slowness)
        reach(forceps, home_f + rng.normal(0, 0.1, 2), 0.8 * slowness, p, rng)
        reach(driver, home_d + rng.normal(0, 0.1, 2), 0.8 * slowness, p, rng)
        pause(driver, 0.8 * slowness, p, rng)
        done += 1
    end = max(driver.cursor, forceps.cursor) if duration_s is None else duration_s
    adjustments(driver, end, p, rng)
    forceps_rate = p.adjustment_rate_hz * FORCEPS_ADJUSTMENT_SHARE
    adjustments(forceps, end, dataclasses.replace(p, adjustment_rate_hz=forceps_rate), rng)
    forceps.position.moves = [(t0, d, delta * p.assist_scale) for t0, d, delta in forceps.position.moves]
    return driver, forceps, done


def _stitch(
    driver: HandPlan, forceps: HandPlan, y: float, slowness: float, side: float, p: PracticeParameters,
    rng: np.random.Generator,
) -> None:  # fmt: skip
    """One stitch at height `y`, up to the thread pulled through (the hands' return is the caller's)."""
    entry, exit_ = np.array([0.6 * side, y]), np.array([-0.25 * side, y])
    # Forceps evert the edge while the driver reaches the entry point.
    forceps.cursor = start = max(forceps.cursor, driver.cursor)
    reach(forceps, np.array([-0.6 * side, y + 0.1]), 0.7 * slowness, p, rng)
    handle(forceps, start, forceps.cursor)
    reach(driver, entry, 0.8 * slowness, p, rng)
    pause(driver, 0.8 * slowness, p, rng)
    # Drive: follow the needle's curve with a wrist rotation, the fingers rolling the driver.
    turn = np.radians(rng.normal(WRIST_TURN_DEG, np.interp(p.skill, [0, 1], WRIST_TURN_SD_DEG[::-1])))
    turn *= p.wrist_turn_scale
    start = driver.cursor
    rotate(driver, driver.cursor, 1.2 * slowness, side * turn)
    reach(driver, exit_, 1.2 * slowness, p, rng)
    handle(driver, start, max(driver.cursor, start + 1.2 * slowness))
    pause(driver, 1.2 * slowness, p, rng)
    # Forceps take the needle tip; the driver lets go and regrasps (a grip cycle each).
    forceps.cursor = start = max(forceps.cursor, driver.cursor - 0.2 * slowness)
    grip(forceps, forceps.cursor, 0.25 * slowness, 0.3)
    reach(forceps, np.array([-0.45 * side, y]), 0.5 * slowness, p, rng)
    grip(forceps, forceps.cursor, 0.25 * slowness, -0.3)
    handle(forceps, start, forceps.cursor + 0.25 * slowness)
    start = driver.cursor
    grip(driver, driver.cursor, 0.3 * slowness, 0.45)
    reach(driver, exit_ + np.array([-0.2 * side, 0.0]), 0.5 * slowness, p, rng)
    grip(driver, driver.cursor - 0.15 * slowness, 0.3 * slowness, -0.45)
    handle(driver, start, driver.cursor + 0.15 * slowness)
    pause(driver, 0.5 * slowness, p, rng)
    # Pull the thread through (it runs through the fingers), away from the wound.
    start = driver.cursor
    rotate(driver, driver.cursor, 1.0 * slowness, -side * turn)
    reach(driver, np.array([2.6 * side, y - 1.8]), 1.0 * slowness, p, rng)
    handle(driver, start, max(driver.cursor, start + 1.0 * slowness))
    pause(driver, 1.0 * slowness, p, rng)
