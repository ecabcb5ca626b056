from setuptools import setup

setup(name="runsync", version="1.0", py_modules=["runsync"], python_requires=">=3.8")
