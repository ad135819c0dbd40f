"""Writes of the performance app, one module per part: periods, feedback, 360° rounds,
improvement actions, retrospectives."""
