import time

from satustok.core.debounce import Debounce


def test_a_key_goes_once_per_window_and_other_keys_are_not_held_back() -> None:
    debounce = Debounce()
    assert debounce.allow("a", 60)
    assert not debounce.allow("a", 60)
    assert debounce.allow("b", 60)


def test_a_key_goes_again_once_its_window_has_passed() -> None:
    debounce = Debounce()
    assert debounce.allow("a", 0.05)
    time.sleep(0.06)
    assert debounce.allow("a", 0.05)


def test_a_zero_window_lets_every_call_through() -> None:
    debounce = Debounce()
    assert all(debounce.allow("a", 0) for _ in range(3))


def test_forget_lets_every_key_go_at_once() -> None:
    debounce = Debounce()
    debounce.allow("a", 60)
    debounce.forget()
    assert debounce.allow("a", 60)
