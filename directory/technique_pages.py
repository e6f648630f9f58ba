"""What each technique is and who it helps: the text of the technique pages that
`seed_demo` writes where staff have not written their own (directory/demo.py)."""

TEXTS = {
    "holistic-massage": """\
Holistic massage treats the whole person rather than one sore spot. Your therapist
asks how you are feeling, physically and otherwise, and adapts the pressure, pace
and focus of a full-body massage to what you need on the day.

## Who it helps

- People who feel run down, stressed or tense without a single cause
- Anyone having their first massage and unsure what to ask for
- Clients who want time to rest as much as treatment

## What to expect

A consultation first, then around an hour on the couch with warm oil, long flowing
strokes and gentle kneading. Most people feel calm and a little sleepy afterwards.
""",
    "deep-tissue": """\
Deep tissue massage uses slow strokes and sustained pressure to reach the deeper
layers of muscle and the fascia around them. Therapists often work with forearms
and elbows, and take their time: deep does not mean fast or painful.

## Who it helps

- Long-standing tightness in the back, neck, shoulders or hips
- People with physical jobs or hours at a desk
- Regular exercisers with stubborn areas of tension

## What to expect

It should feel strong but never sharp. Tell your therapist if it does. You may feel
a little tender for a day or two, like after exercise. Not suitable over recent
injuries, and check with your GP first if you take blood thinners.
""",
    "trigger-point-therapy": """\
Trigger points are small, tender knots in a muscle that can send pain elsewhere:
one in the shoulder can cause a headache, one in the buttock an ache in the lower
back. Your therapist finds them and holds steady pressure until they ease, then
stretches the muscle.

## Who it helps

- Tension headaches and neck pain from desk work
- Lower back and hip pain that seems to move around
- Pain that returns in the same pattern

## What to expect

Firm, focused pressure for up to a minute at a time on a few points, often with a
"good hurt" that fades as the point releases.
""",
    "hot-stone": """\
Smooth basalt stones, heated in water, are placed on the body and used in the
therapist's hands as part of the massage. The warmth relaxes muscles before any
pressure is applied, so the treatment feels deep without being firm.

## Who it helps

- People who feel the cold or find firm pressure uncomfortable
- Deep relaxation and stress relief
- General muscle ache and stiffness

## What to expect

The stones are checked for temperature before they touch you. Not suitable in
pregnancy, with diabetes affecting sensation, or over broken skin.
""",
    "myofascial-release": """\
Fascia is the connective tissue that wraps every muscle. Myofascial release uses
slow, sustained stretches and gentle pressure, usually without oil, held until the
tissue softens.

## Who it helps

- Long-standing back and neck pain
- Stiffness after injury or surgery, once healed
- People who find deep pressure hard to relax into

## What to expect

It is slow and quiet: your therapist may hold one area for several minutes. Many
people feel warmth and a gradual release rather than strong pressure.
""",
    "sports-massage": """\
Sports massage combines deep strokes, stretching and techniques such as soft-tissue
release to help active people recover, move freely and stay injury-free.

## Who it helps

- Runners, cyclists, climbers, team players and gym-goers
- People training for an event
- Anyone with a physical job that loads the same muscles every day

## What to expect

A short assessment of how you move, then focused work on the areas you use most.
Before an event it is brisk and light; after it, gentle; in training, firmer.
""",
    "pregnancy-massage": """\
Pregnancy massage is adapted to a changing body: you lie on your side or sit
supported, pressure on the legs is gentle, and certain points are avoided.

## Who it helps

- Backache and hip ache as posture changes
- Heavy, tired legs and swollen ankles
- Poor sleep and worry

## What to expect

Most therapists treat from the second trimester. Tell your midwife or GP you are
booking, and your therapist about any complications. Stop and seek advice if you
have bleeding, pain or reduced movements.
""",
    "swedish-massage": """\
The classic massage: long gliding strokes, kneading, friction and gentle tapping,
usually with oil, in a set sequence over the whole body. Pressure is light to
medium and can be adjusted.

## Who it helps

- A first massage
- Relaxation and stress relief
- General aches from everyday life

## What to expect

About an hour on the couch, covered by towels except for the area being worked on.
""",
    "indian-head-massage": """\
A seated massage of the upper back, shoulders, arms, neck, scalp and face, based on
a traditional Indian practice. You stay fully clothed, and oil is optional.

## Who it helps

- Tension headaches and a stiff neck
- Desk workers with tight shoulders
- People who would rather not undress or lie down

## What to expect

Around 30 to 45 minutes in a chair, with firm kneading of the shoulders and gentle
work on the scalp and face. Many people find it clears their head.
""",
    "reflexology": """\
Reflexologists apply pressure to points on the feet, or the hands, which in the
practice's tradition map to the rest of the body. It is deeply relaxing for most
people; it is not a way to diagnose or treat illness.

## Who it helps

- Relaxation and better sleep
- People who dislike full-body massage
- Anyone wanting time out from a stressful week

## What to expect

You sit or lie back with your shoes and socks off; the session lasts up to an hour.
""",
}
