from setuptools import find_packages, setup

setup(
    name="harvest",
    version="0.1.0",
    packages=find_packages(),
    entry_points={
        "console_scripts": [
            "harvest = harvest.run:main",
            "harvest-once=harvest.run:once",
        ],
    },
)
