"""Rules: turn classified sites into findings (code, action, message, fix).

One module per rule family; `evaluate.evaluate_module` applies them all. Importing this
package is cheap, so the catalogue can be read without loading the analyser.
"""
