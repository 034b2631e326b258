"""Generated training sentences: templates x slot fillers for numbers, dates, times, money, units,
phone numbers, weather and smart-home commands.

They are written with Arabic digits and symbols (``26度``, ``3.5公斤``, ``13800138000``) so that the
frontend's normalization is read by the teacher and learnt by the student. Every maker takes a
``random.Random`` and returns one sentence, so a list is reproducible from its seed.
"""

from __future__ import annotations

import random

ROOMS = ["客厅", "卧室", "主卧", "次卧", "书房", "厨房", "卫生间", "阳台", "餐厅", "儿童房", "走廊", "玄关", "客房", "洗手间"]
SWITCHABLE = ["灯", "吊灯", "台灯", "落地灯", "筒灯", "夜灯", "空调", "电视", "窗帘", "风扇", "加湿器", "空气净化器",
              "热水器", "音箱", "除湿机", "排气扇", "油烟机", "地暖", "新风系统", "电暖器", "投影仪", "氛围灯"]
ON_VERBS = ["打开", "开启", "帮我打开", "请打开", "把{dev}打开"]
OFF_VERBS = ["关闭", "关掉", "帮我关掉", "请关闭", "把{dev}关上"]
MODES = ["制冷", "制热", "除湿", "送风", "睡眠", "自动", "节能"]
TASKS = ["开会", "吃药", "取快递", "给妈妈打电话", "交水电费", "去接孩子", "浇花", "锻炼身体", "买牛奶", "出门倒垃圾"]
# Day periods and the 12-hour clock hours that go with them.
PERIODS = {"凌晨": (1, 5), "早上": (6, 9), "上午": (8, 11), "中午": (12, 13), "下午": (1, 6), "傍晚": (5, 7), "晚上": (7, 11)}
DAYS = ["今天", "明天", "后天", "周一", "周三", "周五", "这个周六", "下周日", "大后天"]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆", "天津", "长沙", "青岛",
          "厦门", "昆明", "哈尔滨", "乌鲁木齐", "拉萨", "郑州", "沈阳", "苏州", "济南", "福州", "兰州"]
WEATHER = ["晴", "多云", "阴", "小雨", "中雨", "阵雨", "雷阵雨", "小雪", "大雪", "雨夹雪", "晴转多云", "多云转阴"]
WIND = ["东风", "南风", "西北风", "东北风", "偏南风"]
CHEAP_GOODS = ["一杯咖啡", "一瓶矿泉水", "一斤苹果", "一个面包", "这支笔", "一份报纸", "一碗面条"]
GOODS = ["这台电脑", "那双鞋", "这本书", "这部手机", "一张机票", "这辆自行车", "一箱苹果", "这件外套", "这张电影票"]
BIG_OWNERS = ["这个项目的总投资", "这家公司去年的利润", "这套房子的总价", "这座城市今年的财政收入"]
# (unit, low, high, sentence patterns with {n}{u} and {name})
UNITS = [
    ("公里", 1, 50, ["{name}每天走{n}{u}。", "{name}今天一共跑了{n}{u}。", "离目的地还有{n}{u}。"]),
    ("米", 50, 9999, ["这条隧道全长{n}{u}。", "前方{n}{u}右转。"]),
    ("千克", 3, 120, ["{name}的体重是{n}{u}。", "这箱行李重{n}{u}。"]),
    ("克", 5, 999, ["这袋茶叶净重{n}{u}。", "面粉需要{n}{u}。"]),
    ("升", 1, 80, ["这辆车的油箱能装{n}{u}。", "{name}每天喝{n}{u}水。"]),
    ("毫升", 5, 999, ["每次服用{n}{u}。", "这瓶饮料有{n}{u}。"]),
    ("平方米", 20, 300, ["这套房子的面积是{n}{u}。"]),
    ("厘米", 40, 210, ["{name}的身高是{n}{u}。", "这张桌子宽{n}{u}。"]),
    ("分钟", 1, 120, ["{name}已经等了{n}{u}。", "步行大约需要{n}{u}。"]),
    ("秒", 1, 59, ["倒计时还剩{n}{u}。", "{name}跑一百米用了{n}{u}。"]),
    ("吨", 1, 5000, ["这艘船能装{n}{u}货物。"]),
]
NAMES = ["小明", "小红", "张老师", "王经理", "李阿姨", "刘师傅", "陈医生", "赵先生", "孙女士", "周同学"]
PHONE_CONTEXTS = ["我的电话号码是{p}。", "请拨打{p}联系我们。", "他的手机号是{p}，有事可以找他。",
                  "客服热线是{p}。", "快递员的电话是{p}，请注意接听。", "如有疑问，请致电{p}。"]
PREFIXES = ["130", "131", "135", "136", "137", "139", "150", "152", "158", "159", "177", "180", "186", "188", "199"]


def _time(rng: random.Random) -> str:
    period = rng.choice(sorted(PERIODS))
    h = rng.randint(*PERIODS[period])
    h = h - 12 if h > 12 else h
    m = rng.choice([0, 5, 10, 15, 20, 25, 30, 40, 45, 50, 55, rng.randint(1, 59)])
    style = rng.randint(0, 3)
    if style == 0:
        return f"{period}{h}点" + ("" if m == 0 else f"{m}分")
    if style == 1:
        return f"{period}{h}点" + rng.choice(["半", "整", "一刻", "三刻"])
    if style == 2:
        return f"{rng.randint(0, 23)}:{m:02d}"
    return f"{period}{h}:{m:02d}"


def _date(rng: random.Random) -> str:
    y, mo, d = rng.randint(1949, 2035), rng.randint(1, 12), rng.randint(1, 28)
    style = rng.randint(0, 2)
    if style == 0:
        return f"{y}年{mo}月{d}日"
    if style == 1:
        return f"{mo}月{d}号"
    return f"{y}年{mo}月"


def _money(rng: random.Random) -> str:
    style = rng.randint(0, 4)
    if style == 0:
        return f"{rng.randint(1, 9999)}元"
    if style == 1:
        return f"{rng.randint(1, 999)}.{rng.randint(1, 99):02d}元"
    if style == 2:
        return f"{rng.randint(1, 99)}块{rng.randint(1, 9)}毛"
    if style == 3:
        return f"{rng.randint(2, 800)}万元"
    return f"{rng.randint(1, 50)}.{rng.randint(1, 9)}亿元"


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.75:
        return rng.choice(PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return rng.choice(["010", "021", "020", "0755", "028"]) + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _smart_home(rng: random.Random) -> str:
    room, dev = rng.choice(ROOMS), rng.choice(SWITCHABLE)
    kind = rng.randint(0, 11)
    if kind <= 1:
        verb = rng.choice(ON_VERBS if kind == 0 else OFF_VERBS)
        return (verb.format(dev=f"{room}的{dev}") if "{dev}" in verb else f"{verb}{room}的{dev}") + "。"
    if kind == 2:
        return f"把{room}的空调调到{rng.randint(16, 30)}度。"
    if kind == 3:
        return f"把{room}的灯光亮度调到{rng.choice([10, 20, 25, 30, 45, 50, 60, 75, 80, 100])}%。"
    if kind == 4:
        return f"把音量调到{rng.randint(1, 100)}。"
    if kind == 5:
        return f"把{room}的空调设置成{rng.choice(MODES)}模式，温度{rng.randint(16, 30)}度。"
    if kind == 6:
        return f"{rng.choice(DAYS)}{_time(rng)}提醒我{rng.choice(TASKS)}。"
    if kind == 7:
        return f"设置一个{rng.randint(1, 90)}分钟的倒计时。"
    if kind == 8:
        return f"{rng.choice(DAYS)}{_time(rng)}打开{room}的{dev}。"
    if kind == 9:
        return f"{room}现在的温度是{rng.randint(10, 35)}度，湿度是{rng.randint(20, 90)}%。"
    if kind == 10:
        change = ["调亮一点", "调暗一点"] if dev.endswith("灯") else ["调高一点", "调低一点", "关小一点", "开大一点"]
        return f"{rng.choice(['请', '帮我', ''])}把{room}的{dev}{rng.choice(change)}。"
    return f"{rng.choice(['请', '麻烦', ''])}{rng.choice(['播放', '暂停', '继续播放'])}{rng.choice(['周杰伦的歌', '新闻联播', '轻音乐', '相声', '儿童故事', '天气预报'])}。"


def _temperature(rng: random.Random, t: int, unit: str = "度") -> str:
    """Below zero written either in words (零下5度) or with a sign (-5℃), to exercise both."""
    if t >= 0:
        return f"{t}{unit}"
    return f"零下{-t}{unit}" if rng.random() < 0.5 else f"-{-t}{'℃' if unit else ''}"


def _weather(rng: random.Random) -> str:
    city, w = rng.choice(CITIES), rng.choice(WEATHER)
    lo = rng.randint(-25, 25)
    hi = lo + rng.randint(2, 15)
    kind = rng.randint(0, 3)
    if kind == 0:
        return f"{rng.choice(DAYS)}{city}{w}，气温{_temperature(rng, lo, '')}到{_temperature(rng, hi)}。"
    if kind == 1:
        return f"{city}{rng.choice(DAYS)}{w}，{rng.choice(WIND)}{rng.randint(1, 7)}级，最高气温{_temperature(rng, hi, '℃')}。"
    if kind == 2:
        return f"{city}今天的空气质量指数是{rng.randint(15, 300)}，降水概率{rng.randint(0, 100)}%。"
    return f"受冷空气影响，{city}{rng.choice(DAYS)}最低气温将降到{_temperature(rng, lo)}。"


def _numbers(rng: random.Random) -> str:
    kind = rng.randint(0, 13)
    name = rng.choice(NAMES)
    if kind == 0:
        return f"今天是{_date(rng)}，星期{rng.choice('一二三四五六日')}。"
    if kind == 1:
        return f"会议定在{_date(rng)}{_time(rng)}开始。"
    if kind == 2:
        return f"现在是{_time(rng)}。"
    if kind == 3:
        money = _money(rng)
        if money.endswith(("万元", "亿元")):
            owner = rng.choice(BIG_OWNERS)
        else:
            owner = rng.choice(CHEAP_GOODS if "毛" in money else GOODS) + "的价格"
        return f"{owner}是{money}。"
    if kind == 4:
        return rng.choice(PHONE_CONTEXTS).format(p=_phone(rng))
    unit, lo, hi, patterns = rng.choice(UNITS)
    if kind == 5:
        return rng.choice(patterns).format(name=name, n=rng.randint(lo, hi), u=unit)
    if kind == 6:
        return f"这座大楼高{rng.randint(30, 600)}米，共有{rng.randint(10, 120)}层。"
    if kind == 7:
        return f"今年的销售额同比增长了{rng.randint(1, 99)}.{rng.randint(1, 9)}%。"
    if kind == 8:
        return f"比赛的最终比分是{rng.randint(0, 9)}比{rng.randint(0, 9)}。"
    if kind == 9:
        return f"{name}考了第{rng.randint(1, 50)}名，总分{rng.randint(300, 750)}分。"
    if kind == 10:
        return f"这个小区一共有{rng.randint(100, 20000)}户居民。"
    if kind == 11:
        a, b = rng.sample(CITIES, 2)
        km = rng.randint(100, 3000)
        return f"从{a}到{b}大约{km}公里，坐高铁要{max(1, round(km / 250))}个小时。"
    if kind == 12:
        return f"第{rng.randint(1, 30)}届运动会将于{_date(rng)}举行。"
    return f"{rng.randint(2, 99)}乘以{rng.randint(2, 99)}等于多少？"


MAKERS = (_smart_home, _smart_home, _weather, _numbers, _numbers)
"""The sentence makers, drawn uniformly (smart-home and numbers twice as often as weather)."""


def template_sentences(seed: int, n: int) -> list[str]:
    """``n`` generated sentences (duplicates possible), reproducible from ``seed``."""
    rng = random.Random(seed)
    return [rng.choice(MAKERS)(rng) for _ in range(n)]
