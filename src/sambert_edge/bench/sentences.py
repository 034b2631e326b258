"""The fixed Mandarin text set of the benchmark (not dev or training sentences).

``RTF_SET`` is about 10 s of speech per sentence at a normal rate, the length the targets are
stated for; ``FIRST_AUDIO`` is a ~50-character text whose first sentence is short, as a voice
assistant's answer would be; ``HTTP_TEXTS`` are short distinct requests for the load test.
"""

from __future__ import annotations

RTF_SET: tuple[str, ...] = (
    "今天上午十点，市图书馆将举办一场关于城市历史的讲座，欢迎感兴趣的市民提前十分钟入场。",
    "请注意，开往南京南站的高铁即将进站，请在黄色安全线以内排队等候，先下后上。",
    "这款扫地机器人一次充电可以工作一百二十分钟，还能根据房间的形状自动规划清扫路线。",
)

FIRST_AUDIO = "好的，已经为你打开客厅的灯。现在室内温度是二十三度，湿度百分之四十五，空气质量良好。"

HTTP_TEXTS: tuple[str, ...] = tuple(
    f"第{n}号提醒：请在下午{n % 12 + 1}点前完成今天的工作。" for n in range(1, 401)
)
"""Distinct texts so that every first request is a cache miss."""
